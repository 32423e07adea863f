using System.Runtime.CompilerServices;

namespace Iteration.Streaming.ScaleOut;

/// <summary>One instance: every run is local, so there is nothing to hold, nobody else to ask and nobody to hand over to.</summary>
internal sealed class LocalRunCoordinator : IRunCoordinator
{
    public string? InstanceName => null;

    public IDisposable Hold(string generationId, Action<RunSignal> onSignal) => NoHold.Instance;

    public ValueTask<bool> NotifyInputAsync(string generationId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(false);

    public ValueTask<bool> RequestCancelAsync(string generationId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(false);

    public ValueTask<bool> TryClaimAsync(string generationId, CancellationToken cancellationToken = default) => ValueTask.FromResult(true);

    public async IAsyncEnumerable<string> WatchOrphanedRunsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        yield break;
    }

    public ValueTask HandOverAsync(string generationId, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    private sealed class NoHold : IDisposable
    {
        public static readonly NoHold Instance = new();

        public void Dispose()
        {
        }
    }
}
