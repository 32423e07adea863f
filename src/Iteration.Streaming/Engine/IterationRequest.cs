namespace Iteration.Streaming.Engine;

/// <summary>
/// A request to start an iteration: a new generation derived from a finished parent.
/// </summary>
/// <param name="ParentGenerationId">The finished generation to start from.</param>
/// <param name="ModificationPrompt">What to change.</param>
public sealed record IterationRequest(string ParentGenerationId, string ModificationPrompt)
{
    /// <summary>The user starting it, when the host knows one.</summary>
    public string? UserId { get; init; }

    /// <summary>Where the run stops for its user's review; <see langword="null"/> for the host's default (<c>IterationStreaming:DefaultReview</c>).</summary>
    public Contracts.ReviewRequest? Review { get; init; }

    /// <summary>
    /// The most tokens the generation may spend; without it, <c>Budgets.MaxPerGeneration</c> (when set), which also caps
    /// it. Reserved against the owner's daily allowance at start (see <see cref="Budgets.IBudgetPolicy"/>).
    /// </summary>
    public Contracts.GenerationBudget? Budget { get; init; }
}
