namespace Iteration.Streaming.Modes;

/// <summary>
/// What an <see cref="IGenerationModeSelector"/> knows about the run it assigns.
/// </summary>
public sealed class GenerationModeSelectionContext
{
    /// <summary>The new generation's id.</summary>
    public required string GenerationId { get; init; }

    /// <summary>For an iteration, the generation it derives from.</summary>
    public string? ParentGenerationId { get; init; }
}
