using System.Diagnostics.CodeAnalysis;

namespace Iteration.Streaming.EventLog;

/// <summary>A subscription that starts at or past a generation's end: nothing to read (HTTP answers 204).</summary>
internal sealed class EndedSubscription(string generationId, long lastSequence) : EventLogSubscription
{
    public override string GenerationId => generationId;

    public override bool IsAlreadyComplete => true;

    public override long LastSequence => lastSequence;

    public override bool TryRead([NotNullWhen(true)] out EventLogEntry? entry)
    {
        entry = null;
        return false;
    }

    public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(false);
}
