using Iteration.Streaming.Engine;

namespace Iteration.Streaming.StackExchangeRedis.Ownership;

/// <summary>
/// A run this instance owns: the keeper renews its lease until the engine lets go of it (after its terminal event) and
/// that event is in Redis. Disposing it is the engine letting go.
/// </summary>
internal sealed class OwnedRun(string generationId, Action<CancelReason> stop) : IDisposable
{
    private int _stopped;
    private volatile bool _released;

    public string GenerationId { get; } = generationId;

    /// <summary>The engine let go of the run: its terminal event was appended (or is waiting for Redis).</summary>
    public bool Released => _released;

    /// <summary>Tells the engine to stop the run, once per reason class (a cancel request may come again with each renewal).</summary>
    public void Stop(CancelReason reason)
    {
        if (_released)
        {
            return;
        }

        var bit = reason == CancelReason.OwnershipLost ? 2 : 1;
        if ((Interlocked.Or(ref _stopped, bit) & bit) == 0)
        {
            stop(reason);
        }
    }

    public void Dispose() => _released = true;
}
