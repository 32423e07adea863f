namespace Iteration.Streaming.Engine;

/// <summary>
/// What the engine remembers about a generation besides its events: where it came from, who runs it, what it saved and
/// whether it ended.
/// </summary>
internal sealed record GenerationRecord
{
    public required string GenerationId { get; init; }

    public string? ParentGenerationId { get; init; }

    public required string Prompt { get; init; }

    public string? ModificationPrompt { get; init; }

    public required IReadOnlyList<string> Entities { get; init; }

    /// <summary>One of <see cref="Events.GenerationStatus"/>.</summary>
    public required string Status { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>The app instance that runs (or ran) it (<see cref="IRunCoordinator.InstanceName"/>); null with one instance.</summary>
    public string? Owner { get; init; }

    /// <summary>How many files its manifest listed when last saved.</summary>
    public int FileCount { get; init; }

    /// <summary>The total size of those files, in bytes.</summary>
    public long TotalBytes { get; init; }
}
