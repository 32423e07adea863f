using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.Diagnostics;

/// <summary>
/// Every log message of the core package, with stable event ids (1000–1999). Never logs tokens or file contents.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(1001, LogLevel.Debug, "Event log of generation {GenerationId} removed after its retention period.")]
    public static partial void EventLogRemoved(ILogger logger, string generationId);

    [LoggerMessage(1500, LogLevel.Warning, "No IterationStreaming:SigningKey is configured: stream tokens are signed with a random key that only this process knows. That is fine for one instance; configure a shared key of at least 32 characters when several instances serve the same generations.")]
    public static partial void RandomSigningKey(ILogger logger);
}
