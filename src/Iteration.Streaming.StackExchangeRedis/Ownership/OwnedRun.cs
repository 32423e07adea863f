using Iteration.Streaming.ScaleOut;

namespace Iteration.Streaming.StackExchangeRedis.Ownership;

/// <summary>
/// A run this instance owns: its lease is renewed until the engine lets go of it (after its terminal event, its
/// hand-over, or at a review gate) and nothing of it waits for Redis any more. Disposing it is the engine letting go.
/// </summary>
internal sealed class OwnedRun(string generationId, Action<RunSignal> signal, Action<OwnedRun>? released = null) : IDisposable
{
    private int _stopped;
    private int _disposed;
    private volatile bool _released;

    public string GenerationId { get; } = generationId;

    /// <summary>The engine let go of the run.</summary>
    public bool Released => _released;

    /// <summary>Tells the engine to stop the run, once per reason (a cancel request may come again with each renewal).</summary>
    public void Stop(RunSignal reason)
    {
        if (_released)
        {
            return;
        }

        var bit = reason == RunSignal.OwnershipLost ? 2 : 1;
        if ((Interlocked.Or(ref _stopped, bit) & bit) == 0)
        {
            signal(reason);
        }
    }

    /// <summary>
    /// Tells the engine that input for the run was stored on another instance: not a stop, and told every time (the
    /// engine reads the record and emits what it has not emitted yet).
    /// </summary>
    public void InputArrived()
    {
        if (!_released)
        {
            signal(RunSignal.InputArrived);
        }
    }

    public void Dispose()
    {
        _released = true;
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            released?.Invoke(this);
        }
    }
}
