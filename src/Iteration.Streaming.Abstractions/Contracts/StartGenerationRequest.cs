namespace Iteration.Streaming.Contracts;

/// <summary>
/// The body of <c>POST /generations</c>: start a new generation.
/// </summary>
public sealed record StartGenerationRequest
{
    /// <summary>What to generate.</summary>
    public string? Prompt { get; init; }

    /// <summary>The entities of the app to generate, such as <c>["User", "Task"]</c>; one phase each.</summary>
    public IReadOnlyList<string>? Entities { get; init; }

    /// <summary>Where the run stops for its user's review (the plan, saved phases); without it, the host's default.</summary>
    public ReviewRequest? Review { get; init; }

    /// <summary>
    /// The most tokens the generation may spend; without it, the host's <c>IterationStreaming:Budgets:MaxPerGeneration</c>
    /// (when set). Capped by that setting.
    /// </summary>
    public GenerationBudget? Budget { get; init; }
}
