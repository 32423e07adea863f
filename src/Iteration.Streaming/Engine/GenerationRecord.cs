namespace Iteration.Streaming.Engine;

/// <summary>
/// What the engine remembers about a generation besides its events: where it came from and whether it ended.
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
}
