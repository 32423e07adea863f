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

    [LoggerMessage(3020, LogLevel.Debug, "Append to generation {GenerationId} expected sequence {Expected} but got {Assigned}: another writer appended meanwhile.")]
    public static partial void AppendSequenceConflict(ILogger logger, string generationId, long expected, long assigned);
}
