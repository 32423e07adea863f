namespace Iteration.Streaming.Contracts;

/// <summary>
/// The body of <c>POST /generations/iterate</c>: start an iteration derived from a finished generation.
/// </summary>
public sealed record IterateGenerationRequest
{
    /// <summary>The generation to start from; it must have finished.</summary>
    public string? ParentGenerationId { get; init; }

    /// <summary>What to change.</summary>
    public string? ModificationPrompt { get; init; }

    /// <summary>Where the run stops for its user's review (the plan, saved phases); without it, the host's default.</summary>
    public ReviewRequest? Review { get; init; }

    /// <summary>
    /// The most tokens the generation may spend; without it, the host's <c>IterationStreaming:Budgets:MaxPerGeneration</c>
    /// (when set). Capped by that setting.
    /// </summary>
    public GenerationBudget? Budget { get; init; }
}
