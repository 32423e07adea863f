using System.Collections.Concurrent;

namespace Iteration.Streaming.Sample.Web.Tests.Infrastructure;

/// <summary>
/// What a test controls of the real demo generator: phases held until released (so a test acts mid-run without
/// timing), and a failure marker honoured only by the first run (a transient model failure that Retry gets past).
/// </summary>
public sealed class DemoControl
{
    private readonly ConcurrentDictionary<int, TaskCompletionSource> _holds = new();
    private string? _failingGeneration;

    /// <summary>When set, <c>[fail:phase=N]</c> fails only the first generation that carries it.</summary>
    public bool FailOnlyFirstRun { get; set; }

    /// <summary>Phase <paramref name="phase"/> of every run waits before its first file until <see cref="Release"/>.</summary>
    public void HoldBefore(int phase) =>
        _holds[phase] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release(int phase) => _holds[phase].TrySetResult();

    internal Task WaitAsync(int phase, CancellationToken cancellationToken) =>
        _holds.TryGetValue(phase, out var hold) ? hold.Task.WaitAsync(cancellationToken) : Task.CompletedTask;

    internal bool KeepsFailure(string generationId)
    {
        if (!FailOnlyFirstRun)
        {
            return true;
        }

        return Interlocked.CompareExchange(ref _failingGeneration, generationId, null) is null || _failingGeneration == generationId;
    }
}
