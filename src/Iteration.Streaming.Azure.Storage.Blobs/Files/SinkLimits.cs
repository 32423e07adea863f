using Iteration.Streaming.Hosting;

namespace Iteration.Streaming.Azure.Storage.Blobs.Files;

/// <summary>The limits the sink enforces on every phase, read from the options at each save.</summary>
internal readonly record struct SinkLimits(int MaxFilesPerGeneration, long MaxFileSize, int MaxPathLength, long MaxGenerationBytes)
{
    public static SinkLimits From(IterationStreamingOptions options) =>
        new(options.MaxFilesPerGeneration, options.MaxFileSize, options.MaxPathLength, options.MaxGenerationBytes);
}
