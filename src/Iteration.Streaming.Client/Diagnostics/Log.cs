using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.Client.Diagnostics;

/// <summary>Every log message of the client, with stable event ids (4000–4999). Never logs tokens.</summary>
internal static partial class Log
{
    [LoggerMessage(4001, LogLevel.Information, "Stream of generation {GenerationId} interrupted after event {LastEventId} ({Reason}); reconnecting in {Delay} (attempt {Attempt}).")]
    public static partial void Reconnecting(ILogger logger, string generationId, long lastEventId, string reason, TimeSpan delay, int attempt);

    [LoggerMessage(4002, LogLevel.Warning, "Generation {GenerationId} sent event {EventId} after {LastEventId} without a snapshot marker; reconnecting to fill the gap.")]
    public static partial void SequenceGap(ILogger logger, string generationId, long eventId, long lastEventId);

    [LoggerMessage(4003, LogLevel.Warning, "Generation {GenerationId} sent event {EventId} whose data is not a valid progress event; skipped.")]
    public static partial void InvalidEvent(ILogger logger, string generationId, long eventId);

    [LoggerMessage(4004, LogLevel.Debug, "Generation {GenerationId} had already finished: the server answered 204 after event {LastEventId}.")]
    public static partial void AlreadyFinished(ILogger logger, string generationId, long lastEventId);

    [LoggerMessage(4005, LogLevel.Warning, "Gave up watching generation {GenerationId} after {Failures} failed attempts in a row; the last event received was {LastEventId}.")]
    public static partial void GaveUp(ILogger logger, string generationId, int failures, long lastEventId);

    [LoggerMessage(4006, LogLevel.Information, "Multiplexed stream ({Stream}) interrupted ({Reason}); reconnecting in {Delay} (attempt {Attempt}).")]
    public static partial void StreamReconnecting(ILogger logger, string stream, string reason, TimeSpan delay, int attempt);

    [LoggerMessage(4007, LogLevel.Warning, "Multiplexed stream ({Stream}) sent an event whose data is not a valid progress event; skipped.")]
    public static partial void StreamInvalidEvent(ILogger logger, string stream);

    [LoggerMessage(4008, LogLevel.Warning, "Multiplexed stream ({Stream}) sent an event of generation {GenerationId}, which is not in its watch set; skipped.")]
    public static partial void StreamForeignEvent(ILogger logger, string stream, string generationId);

    [LoggerMessage(4009, LogLevel.Debug, "Multiplexed stream ({Stream}) ended: {Reason}.")]
    public static partial void StreamEnded(ILogger logger, string stream, string reason);

    [LoggerMessage(4010, LogLevel.Warning, "Gave up on the multiplexed stream ({Stream}) after {Failures} failed attempts in a row.")]
    public static partial void StreamGaveUp(ILogger logger, string stream, int failures);
}
