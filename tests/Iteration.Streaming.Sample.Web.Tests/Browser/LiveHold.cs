using Iteration.Streaming.Generation;

namespace Iteration.Streaming.Sample.Web.Tests.Browser;

/// <summary>One hold of <see cref="HoldingLiveDemoGenerator"/>: reached once the report is in the log, released by the test.</summary>
public sealed class LiveHold
{
    private readonly TaskCompletionSource<PhaseLiveUpdate> _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with the report once its event is in the log (and its checkpoint written).</summary>
    public Task<PhaseLiveUpdate> Reached => _reached.Task;

    public void Release() => _released.TrySetResult();

    internal Task ReachAsync(PhaseLiveUpdate update, CancellationToken cancellationToken)
    {
        _reached.TrySetResult(update);
        return _released.Task.WaitAsync(cancellationToken);
    }
}
