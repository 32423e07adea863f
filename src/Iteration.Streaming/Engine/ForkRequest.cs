namespace Iteration.Streaming.Engine;

/// <summary>
/// A request to fork a generation from a saved phase: a new generation with the same request and plan that keeps
/// phases 1 to <paramref name="FromPhase"/> (sharing their files) and generates only the later ones.
/// </summary>
/// <param name="GenerationId">The generation to fork: completed, failed, cancelled or waiting at a review gate.</param>
/// <param name="FromPhase">The last phase to keep: from 1 to the last phase it saved.</param>
public sealed record ForkRequest(string GenerationId, int FromPhase)
{
    /// <summary>What to do differently in the later phases (given to the generator); without it, the source's.</summary>
    public string? ModificationPrompt { get; init; }

    /// <summary>The user asking, when the host knows one.</summary>
    public string? UserId { get; init; }

    /// <summary>Where the fork stops for its user's review; <see langword="null"/> for the host's default (<c>IterationStreaming:DefaultReview</c>).</summary>
    public Contracts.ReviewRequest? Review { get; init; }

    /// <summary>The most tokens the fork may spend; without it, <c>Budgets.MaxPerGeneration</c> (when set), which also caps it.</summary>
    public Contracts.GenerationBudget? Budget { get; init; }
}
