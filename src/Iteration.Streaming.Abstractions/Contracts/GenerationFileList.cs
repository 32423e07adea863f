using Iteration.Streaming.Events;

namespace Iteration.Streaming.Contracts;

/// <summary>
/// The body of <c>GET /generations/{id}/files</c>: the files saved so far.
/// </summary>
public sealed record GenerationFileList
{
    /// <summary>The generation's id.</summary>
    public required string GenerationId { get; init; }

    /// <summary>The latest status: one of <see cref="GenerationStatus"/>.</summary>
    public required string Status { get; init; }

    /// <summary>The files saved so far, ordered by path.</summary>
    public required IReadOnlyList<GenerationFile> Files { get; init; }
}
