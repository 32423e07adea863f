using System.Collections.Concurrent;
using Iteration.Streaming.Engine;

namespace Iteration.Streaming.Tests.Engine;

/// <summary>A run coordinator that records what the engine asks of it, and lets a test stop a held run as another instance would.</summary>
internal sealed class RecordingCoordinator(string instanceName) : IRunCoordinator
{
    public string? InstanceName { get; } = instanceName;

    public ConcurrentDictionary<string, Action<CancelReason>> Stops { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, TaskCompletionSource> Released { get; } = new(StringComparer.Ordinal);

    /// <summary>Ids for which a cancel asked elsewhere finds a run going.</summary>
    public HashSet<string> RunningElsewhere { get; } = new(StringComparer.Ordinal);

    public List<string> CancelRequests { get; } = [];

    public IDisposable Hold(string generationId, Action<CancelReason> stop)
    {
        Stops[generationId] = stop;
        var released = Released.GetOrAdd(generationId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        return new Release(released);
    }

    public ValueTask<bool> RequestCancelAsync(string generationId, CancellationToken cancellationToken = default)
    {
        lock (CancelRequests)
        {
            CancelRequests.Add(generationId);
        }

        return ValueTask.FromResult(RunningElsewhere.Contains(generationId));
    }

    private sealed class Release(TaskCompletionSource released) : IDisposable
    {
        public void Dispose() => released.TrySetResult();
    }
}
