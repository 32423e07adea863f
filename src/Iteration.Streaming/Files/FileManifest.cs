using Iteration.Streaming.Contracts;

namespace Iteration.Streaming.Files;

/// <summary>
/// The list of a generation's saved files: what is listed exists on the sink.
/// </summary>
public sealed record FileManifest
{
    /// <summary>The generation.</summary>
    public required string GenerationId { get; init; }

    /// <summary>Whether the generation finished writing (set by <see cref="IFileSink.CompleteAsync"/>).</summary>
    public bool IsComplete { get; init; }

    /// <summary>The files, ordered by path.</summary>
    public required IReadOnlyList<GenerationFile> Files { get; init; }

    /// <summary>The total size of the files in bytes.</summary>
    public long TotalBytes => Files.Sum(static f => f.Size);
}
