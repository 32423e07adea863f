using Iteration.Streaming.Contracts;

namespace Iteration.Streaming.Files;

/// <summary>
/// One save of a generation's files: what it wrote and deleted. Phase 0 is what the generation started with (an
/// iteration's parent files); every saved phase adds one entry, and a review gate's edits add another under the same phase.
/// </summary>
public sealed record FileHistoryEntry
{
    /// <summary>The phase the save belongs to (0 for the files the generation started with).</summary>
    public required int Phase { get; init; }

    /// <summary>The files the save wrote (or carried, for phase 0), ordered by path (ordinal).</summary>
    public required IReadOnlyList<GenerationFile> Written { get; init; }

    /// <summary>The paths the save deleted, ordered (ordinal).</summary>
    public IReadOnlyList<string> Deleted { get; init; } = [];
}
