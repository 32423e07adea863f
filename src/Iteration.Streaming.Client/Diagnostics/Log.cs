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
}
