namespace Iteration.Streaming.Contracts;

/// <summary>
/// The body of <c>POST {prefix}/{id}/fork</c>: a new generation that keeps phases 1 to <see cref="FromPhase"/> of
/// <c>{id}</c> (sharing their files, copying nothing) and generates only the later phases.
/// </summary>
public sealed record ForkGenerationRequest
{
    /// <summary>The last phase to keep: from 1 to the last phase <c>{id}</c> saved.</summary>
    public int? FromPhase { get; init; }

    /// <summary>What to do differently in the later phases (given to the generator with their context); optional.</summary>
    public string? ModificationPrompt { get; init; }

    /// <summary>Where the fork stops for its user's review; without it, the host's default.</summary>
    public ReviewRequest? Review { get; init; }

    /// <summary>
    /// The most tokens the fork may spend; without it, the host's <c>IterationStreaming:Budgets:MaxPerGeneration</c>
    /// (when set). Capped by that setting.
    /// </summary>
    public GenerationBudget? Budget { get; init; }
}
