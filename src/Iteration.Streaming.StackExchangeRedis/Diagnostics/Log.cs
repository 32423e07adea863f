using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.StackExchangeRedis.Diagnostics;

/// <summary>
/// Every log message of the Redis package, with stable event ids (3000–3999). Never logs tokens, passwords or event contents.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(3001, LogLevel.Information, "Connected to Redis as instance {InstanceName}.")]
    public static partial void Connected(ILogger logger, string instanceName);

    [LoggerMessage(3002, LogLevel.Warning, "Redis {ConnectionType} connection failed ({FailureType}).")]
    public static partial void ConnectionFailed(ILogger logger, string connectionType, string failureType, Exception? exception);

    [LoggerMessage(3003, LogLevel.Information, "Redis {ConnectionType} connection restored.")]
    public static partial void ConnectionRestored(ILogger logger, string connectionType);

    [LoggerMessage(3010, LogLevel.Warning, "The Redis tail reader failed; it reads again after {Delay}. Watchers keep their position.")]
    public static partial void TailReadFailed(ILogger logger, TimeSpan delay, Exception exception);

    [LoggerMessage(3011, LogLevel.Information, "The Redis tail reader recovered.")]
    public static partial void TailReadRecovered(ILogger logger);

    [LoggerMessage(3012, LogLevel.Warning, "Could not wake the Redis tail reader; new watchers wait up to the block timeout.")]
    public static partial void TailWakeFailed(ILogger logger, Exception exception);

    [LoggerMessage(3013, LogLevel.Warning, "Skipped an unreadable entry {EntryId} in the event stream of generation {GenerationId}.")]
    public static partial void UnreadableEntry(ILogger logger, string generationId, string entryId, Exception? exception);

    [LoggerMessage(3030, LogLevel.Warning, "Redis did not take an event of generation {GenerationId}: its events wait in memory, in order, until Redis is back.")]
    public static partial void AppendsWaiting(ILogger logger, string generationId);

    [LoggerMessage(3031, LogLevel.Information, "The events of generation {GenerationId} that waited for Redis are written ({WaitedMs} ms).")]
    public static partial void WaitingEventsWritten(ILogger logger, string generationId, double waitedMs);

    [LoggerMessage(3032, LogLevel.Error, "Generation {GenerationId} was stopped: Redis was unreachable past the outage limits (OutageTimeout, MaxBufferedEvents).")]
    public static partial void RunStoppedByOutage(ILogger logger, string generationId);

    [LoggerMessage(3033, LogLevel.Warning, "Dropped {Count} waiting events of generation {GenerationId}: another instance ended it meanwhile.")]
    public static partial void WaitingEventsDropped(ILogger logger, string generationId, int count);

    [LoggerMessage(3034, LogLevel.Error, "Redis refused the {Count} waiting events of generation {GenerationId}; they are dropped and its run is stopped.")]
    public static partial void WaitingEventsFailed(ILogger logger, string generationId, int count, Exception exception);

    [LoggerMessage(3035, LogLevel.Error, "Stopping with {Count} events still waiting for Redis; they are lost.")]
    public static partial void PendingAbandoned(ILogger logger, int count);

    [LoggerMessage(3036, LogLevel.Warning, "Redis no longer had generation {GenerationId} (restarted without persistence?); restored it at sequence {Sequence} from this instance's copy.")]
    public static partial void GenerationRestored(ILogger logger, string generationId, long sequence);

    [LoggerMessage(3037, LogLevel.Debug, "An append to generation {GenerationId} failed; it waits for Redis.")]
    public static partial void AppendFailed(ILogger logger, string generationId, Exception exception);

    [LoggerMessage(3038, LogLevel.Debug, "Could not update the record of generation {GenerationId} in Redis; this instance's copy keeps the change.")]
    public static partial void RecordUpdateSkipped(ILogger logger, string generationId, Exception exception);

    [LoggerMessage(3040, LogLevel.Warning, "Could not renew leases in Redis; trying again every {Interval}.")]
    public static partial void LeaseRenewalFailed(ILogger logger, TimeSpan interval, Exception exception);

    [LoggerMessage(3041, LogLevel.Information, "Lease renewal reaches Redis again.")]
    public static partial void LeaseRenewalRecovered(ILogger logger);

    [LoggerMessage(3042, LogLevel.Warning, "This instance took over generation {GenerationId} ({Why}); it resumes the run from its last saved phase.")]
    public static partial void RunClaimed(ILogger logger, string generationId, string why);

    [LoggerMessage(3043, LogLevel.Warning, "This instance no longer owns generation {GenerationId} ({Reason}); its run here stops.")]
    public static partial void RunLost(ILogger logger, string generationId, string reason);

    [LoggerMessage(3044, LogLevel.Information, "Cancel of generation {GenerationId} passed to the instance running it.")]
    public static partial void CancelForwarded(ILogger logger, string generationId);

    [LoggerMessage(3045, LogLevel.Information, "Cancel of generation {GenerationId} requested on another instance.")]
    public static partial void RemoteCancelReceived(ILogger logger, string generationId);

    [LoggerMessage(3046, LogLevel.Error, "The ownership round (renewal, takeover) failed; it runs again at the next interval.")]
    public static partial void KeeperTickFailed(ILogger logger, Exception exception);

    [LoggerMessage(3047, LogLevel.Warning, "Could not subscribe to this instance's cancel channel; cancel requests are picked up at each renewal meanwhile.")]
    public static partial void CancelSubscriptionFailed(ILogger logger, Exception exception);

    [LoggerMessage(3048, LogLevel.Warning, "Generation {GenerationId} vanished from Redis before its end and nobody restored it; its local streams end.")]
    public static partial void WatchedGenerationGone(ILogger logger, string generationId);

    [LoggerMessage(3049, LogLevel.Information, "Generation {GenerationId} handed over: another instance resumes it now.")]
    public static partial void RunHandedOver(ILogger logger, string generationId);

    [LoggerMessage(3050, LogLevel.Warning, "Generation {GenerationId} is not handed over: its events still wait for Redis here. Another instance resumes it once its lease lapses.")]
    public static partial void HandOverDeferred(ILogger logger, string generationId);

    [LoggerMessage(3051, LogLevel.Warning, "Could not subscribe to the hand-over channel; handed-over runs are found at each round meanwhile.")]
    public static partial void HandOverSubscriptionFailed(ILogger logger, Exception exception);

    [LoggerMessage(3052, LogLevel.Warning, "Could not give back generation {GenerationId}, claimed as this instance stopped; another instance takes it once the lease lapses.")]
    public static partial void HandBackFailed(ILogger logger, string generationId, Exception exception);

    [LoggerMessage(3053, LogLevel.Debug, "Input for generation {GenerationId} passed to the instance running it.")]
    public static partial void InputForwarded(ILogger logger, string generationId);

    [LoggerMessage(3054, LogLevel.Debug, "Input for generation {GenerationId} stored on another instance.")]
    public static partial void RemoteInputReceived(ILogger logger, string generationId);

    [LoggerMessage(3055, LogLevel.Warning, "Could not subscribe to this instance's input channel; input for its runs is picked up at each renewal meanwhile.")]
    public static partial void InputSubscriptionFailed(ILogger logger, Exception exception);

    [LoggerMessage(3056, LogLevel.Information, "Generation {GenerationId} waits for its user at a review gate: this instance let go of it, and whichever instance gets the input continues it.")]
    public static partial void RunParked(ILogger logger, string generationId);

    [LoggerMessage(3057, LogLevel.Warning, "Could not let go of generation {GenerationId} at its review gate; the next renewal round tries again.")]
    public static partial void ParkFailed(ILogger logger, string generationId, Exception exception);

    [LoggerMessage(3020, LogLevel.Debug, "Append to generation {GenerationId} expected sequence {Expected} but got {Assigned}: another writer appended meanwhile.")]
    public static partial void AppendSequenceConflict(ILogger logger, string generationId, long expected, long assigned);
}
