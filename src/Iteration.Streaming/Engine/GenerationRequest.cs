namespace Iteration.Streaming.Engine;

/// <summary>
/// A request to start a new generation.
/// </summary>
/// <param name="Prompt">What to generate.</param>
/// <param name="Entities">The entities of the app, one phase each; none gives a plan without entity phases.</param>
public sealed record GenerationRequest(string Prompt, IReadOnlyList<string>? Entities = null)
{
    /// <summary>The user starting it, when the host knows one: that user may act on it without its control token.</summary>
    public string? UserId { get; init; }

    /// <summary>Where the run stops for its user's review; <see langword="null"/> for the host's default (<c>IterationStreaming:DefaultReview</c>).</summary>
    public Contracts.ReviewRequest? Review { get; init; }

    /// <summary>
    /// The most tokens the generation may spend; without it, <c>Budgets.MaxPerGeneration</c> (when set), which also caps
    /// it. Reserved against the owner's daily allowance at start (see <see cref="Budgets.IBudgetPolicy"/>).
    /// </summary>
    public Contracts.GenerationBudget? Budget { get; init; }
}
