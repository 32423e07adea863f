namespace Iteration.Streaming.Engine;

/// <summary>One instance: every run is local, so there is nothing to hold and nobody else to ask.</summary>
internal sealed class LocalRunCoordinator : IRunCoordinator
{
    public string? InstanceName => null;

    public IDisposable Hold(string generationId, Action<CancelReason> stop) => NoHold.Instance;

    public ValueTask<bool> RequestCancelAsync(string generationId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(false);

    private sealed class NoHold : IDisposable
    {
        public static readonly NoHold Instance = new();

        public void Dispose()
        {
        }
    }
}
