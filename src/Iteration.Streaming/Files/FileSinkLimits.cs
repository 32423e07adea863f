using Iteration.Streaming.Hosting;

namespace Iteration.Streaming.Files;

/// <summary>The limits a sink enforces on every phase, read from the options at each save.</summary>
internal readonly record struct FileSinkLimits(int MaxFilesPerGeneration, long MaxFileSize, int MaxPathLength, long MaxGenerationBytes)
{
    public static FileSinkLimits From(IterationStreamingOptions options) =>
        new(options.MaxFilesPerGeneration, options.MaxFileSize, options.MaxPathLength, options.MaxGenerationBytes);
}
