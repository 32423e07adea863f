using Iteration.Streaming.Files;
using Iteration.Streaming.Modes;

namespace Iteration.Streaming.Generation;

/// <summary>
/// What an <see cref="IPhasePlanner"/> knows about the run it plans.
/// </summary>
public sealed class PhasePlanningContext
{
    /// <summary>The generation's id.</summary>
    public required string GenerationId { get; init; }

    /// <summary>The prompt (for an iteration, its parent's prompt when known, otherwise empty).</summary>
    public required string Prompt { get; init; }

    /// <summary>For an iteration, what to change.</summary>
    public string? ModificationPrompt { get; init; }

    /// <summary>For an iteration, the generation it derives from.</summary>
    public string? ParentGenerationId { get; init; }

    /// <summary>The entities of the app (for an iteration, its parent's).</summary>
    public required IReadOnlyList<string> Entities { get; init; }

    /// <summary>The files the run starts with: for an iteration, those carried over from its parent; otherwise none.</summary>
    public required FileManifest Files { get; init; }

    /// <summary>The run's pipeline and experiment group.</summary>
    public required GenerationModeAssignment Mode { get; init; }
}
