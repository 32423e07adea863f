using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.Azure.Storage.Blobs.Diagnostics;

/// <summary>
/// Every log message of the blob storage package, with stable event ids (6000–6999). Never logs connection strings,
/// keys or file contents.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(6001, LogLevel.Information, "Blob container {Container} is ready for generation files.")]
    public static partial void ContainerReady(ILogger logger, string container);

    [LoggerMessage(6002, LogLevel.Warning, "File {Path} of parent generation {ParentGenerationId} was not carried into generation {GenerationId}: its content is missing from blob storage.")]
    public static partial void ParentFileNotCarried(ILogger logger, string generationId, string parentGenerationId, string path);

    [LoggerMessage(6003, LogLevel.Debug, "Could not remove the save intent {Intent}; it is removed with its generation.")]
    public static partial void IntentNotRemoved(ILogger logger, string intent, Exception exception);

    [LoggerMessage(6004, LogLevel.Information, "Deleted the files of generation {GenerationId}: {ContentCount} content blobs no other generation lists.")]
    public static partial void GenerationDeleted(ILogger logger, string generationId, int contentCount);

    [LoggerMessage(6005, LogLevel.Warning, "Kept every content blob of a deleted generation: a manifest could not be read, so what it lists is unknown.")]
    public static partial void SweepAbandoned(ILogger logger, Exception exception);

    // 6007 (DroppedNotRecorded) is retired: the manifest's history names what a save stops listing.

    [LoggerMessage(6006, LogLevel.Warning, "The manifest of generation {GenerationId} was changed by another writer; this writer's save was refused.")]
    public static partial void ManifestConflict(ILogger logger, string generationId);
}
