using Azure.Storage.Blobs;

namespace Iteration.Streaming.Azure.Storage.Blobs.Hosting;

/// <summary>
/// Options of the blob storage file sink, bound from <c>IterationStreaming:BlobStorage</c> and validated when the host
/// starts. The limits on files (count, size, path length, bytes per generation) come from <c>IterationStreamingOptions</c>,
/// as for every sink.
/// </summary>
public sealed class AzureBlobFileSinkOptions
{
    /// <summary>The container used when none is set.</summary>
    public const string DefaultContainer = "generations";

    /// <summary>
    /// The storage account's connection string, for example <c>UseDevelopmentStorage=true</c> (Azurite) or
    /// <c>DefaultEndpointsProtocol=https;AccountName=…;AccountKey=…</c>. Not needed when a <see cref="BlobServiceClient"/>
    /// is passed. Never logged.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// The blob container that holds every generation's files; created when missing. 3 to 63 lowercase letters, digits
    /// and single hyphens. Default <c>generations</c>.
    /// </summary>
    public string Container { get; set; } = DefaultContainer;

    /// <summary>
    /// How many requests one operation sends at once (uploading a phase's files, checking an iteration's carried files,
    /// retention's reads). Default 8.
    /// </summary>
    public int MaxConcurrentRequests { get; set; } = 8;

    /// <summary>Set by the overload that takes a client; that client is used instead of <see cref="ConnectionString"/>.</summary>
    internal BlobServiceClient? ServiceClient { get; set; }
}
