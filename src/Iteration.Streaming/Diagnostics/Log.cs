using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.Diagnostics;

/// <summary>
/// Every log message of the core package, with stable event ids (1000–1999). Never logs tokens or file contents.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(1001, LogLevel.Debug, "Event log of generation {GenerationId} removed after its retention period.")]
    public static partial void EventLogRemoved(ILogger logger, string generationId);
}
