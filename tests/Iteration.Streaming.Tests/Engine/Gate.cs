namespace Iteration.Streaming.Tests.Engine;

/// <summary>
/// A point a test generator stops at: the test awaits <see cref="Reached"/>, then calls <see cref="Release"/>.
/// No sleeps: both sides wait on tasks.
/// </summary>
public sealed class Gate
{
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Reached => _reached.Task;

    public void Release() => _release.TrySetResult();

    /// <summary>Signals arrival and waits for release; with <paramref name="ignoreCancellation"/> it plays a generator that ignores its token.</summary>
    public Task PassAsync(CancellationToken cancellationToken, bool ignoreCancellation = false)
    {
        _reached.TrySetResult();
        return ignoreCancellation ? _release.Task : _release.Task.WaitAsync(cancellationToken);
    }
}
