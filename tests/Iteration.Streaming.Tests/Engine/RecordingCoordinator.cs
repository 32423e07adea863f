using System.Collections.Concurrent;
using Iteration.Streaming.ScaleOut;

namespace Iteration.Streaming.Tests.Engine;

/// <summary>A run coordinator that records what the engine asks of it, and lets a test stop a held run as another instance would.</summary>
internal sealed class RecordingCoordinator(string instanceName) : IRunCoordinator
{
    public string? InstanceName { get; } = instanceName;

    public ConcurrentDictionary<string, Action<RunSignal>> Stops { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, TaskCompletionSource> Released { get; } = new(StringComparer.Ordinal);

    /// <summary>Ids for which a cancel asked elsewhere finds a run going.</summary>
    public HashSet<string> RunningElsewhere { get; } = new(StringComparer.Ordinal);

    public List<string> CancelRequests { get; } = [];

    public IDisposable Hold(string generationId, Action<RunSignal> onStop)
    {
        Stops[generationId] = onStop;
        var released = Released.GetOrAdd(generationId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        return new Release(released);
    }

    /// <summary>Ids another instance stored input for.</summary>
    public List<string> InputNotices { get; } = [];

    public ValueTask<bool> NotifyInputAsync(string generationId, CancellationToken cancellationToken = default)
    {
        lock (InputNotices)
        {
            InputNotices.Add(generationId);
        }

        return ValueTask.FromResult(RunningElsewhere.Contains(generationId));
    }

    public ValueTask<bool> RequestCancelAsync(string generationId, CancellationToken cancellationToken = default)
    {
        lock (CancelRequests)
        {
            CancelRequests.Add(generationId);
        }

        return ValueTask.FromResult(RunningElsewhere.Contains(generationId));
    }

    /// <summary>Ids the engine claimed before resuming them at start.</summary>
    public List<string> Claims { get; } = [];

    /// <summary>Ids the engine handed over.</summary>
    public List<string> HandOvers { get; } = [];

    /// <summary>Ids a test puts here reach the engine as runs taken over from a lost instance.</summary>
    public System.Threading.Channels.Channel<string> Orphans { get; } = System.Threading.Channels.Channel.CreateUnbounded<string>();

    public ValueTask<bool> TryClaimAsync(string generationId, CancellationToken cancellationToken = default)
    {
        lock (Claims)
        {
            Claims.Add(generationId);
        }

        return ValueTask.FromResult(!RunningElsewhere.Contains(generationId));
    }

    public IAsyncEnumerable<string> WatchOrphanedRunsAsync(CancellationToken cancellationToken = default) => Orphans.Reader.ReadAllAsync(cancellationToken);

    public ValueTask HandOverAsync(string generationId, CancellationToken cancellationToken = default)
    {
        lock (HandOvers)
        {
            HandOvers.Add(generationId);
        }

        return ValueTask.CompletedTask;
    }

    private sealed class Release(TaskCompletionSource released) : IDisposable
    {
        public void Dispose() => released.TrySetResult();
    }
}
