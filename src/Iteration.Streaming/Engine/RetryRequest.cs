namespace Iteration.Streaming.Engine;

/// <summary>
/// A request to retry a failed or cancelled generation: a new generation with the same request and plan that reuses
/// the phases the old one saved.
/// </summary>
/// <param name="GenerationId">The failed or cancelled generation.</param>
public sealed record RetryRequest(string GenerationId)
{
    /// <summary>The user asking, when the host knows one.</summary>
    public string? UserId { get; init; }

    /// <summary>Where the run stops for its user's review; <see langword="null"/> for the host's default (<c>IterationStreaming:DefaultReview</c>).</summary>
    public Contracts.ReviewRequest? Review { get; init; }

    /// <summary>
    /// The most tokens the generation may spend; without it, <c>Budgets.MaxPerGeneration</c> (when set), which also caps
    /// it. Reserved against the owner's daily allowance at start (see <see cref="Budgets.IBudgetPolicy"/>).
    /// </summary>
    public Contracts.GenerationBudget? Budget { get; init; }
}
