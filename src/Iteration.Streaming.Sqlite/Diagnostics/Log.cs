using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.Sqlite.Diagnostics;

/// <summary>
/// Every log message of the SQLite package, with stable event ids (5000–5999). Never logs event contents or prompts.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(5001, LogLevel.Information, "Opened the SQLite store {Path} (schema version {SchemaVersion}).")]
    public static partial void Opened(ILogger logger, string path, int schemaVersion);

    [LoggerMessage(5002, LogLevel.Error, "The SQLite store {Path} could not commit a batch of {Count} writes; each of them failed and none is visible.")]
    public static partial void BatchFailed(ILogger logger, string path, int count, Exception exception);

    [LoggerMessage(5003, LogLevel.Error, "The SQLite store {Path} failed after a commit, while publishing it.")]
    public static partial void WriterFault(ILogger logger, string path, Exception exception);

    [LoggerMessage(5004, LogLevel.Information, "Deleted the event log of generation {GenerationId} from the SQLite store.")]
    public static partial void EventLogDeleted(ILogger logger, string generationId);

    [LoggerMessage(5005, LogLevel.Information, "Upgraded the SQLite store {Path} from schema version {FromVersion} to {ToVersion}.")]
    public static partial void Upgraded(ILogger logger, string path, int fromVersion, int toVersion);

    [LoggerMessage(5006, LogLevel.Warning, "The SQLite store {Path} could not checkpoint its write-ahead log in the background; the writer checkpoints it itself once it holds {Pages} pages.")]
    public static partial void CheckpointFailed(ILogger logger, string path, int pages, Exception exception);
}
