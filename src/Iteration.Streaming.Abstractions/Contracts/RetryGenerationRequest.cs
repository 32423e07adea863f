namespace Iteration.Streaming.Contracts;

/// <summary>The optional body of <c>POST {prefix}/{id}/retry</c>.</summary>
public sealed record RetryGenerationRequest
{
    /// <summary>The review gates of the retry; without it, the host's default.</summary>
    public ReviewRequest? Review { get; init; }

    /// <summary>
    /// The most tokens the generation may spend; without it, the host's <c>IterationStreaming:Budgets:MaxPerGeneration</c>
    /// (when set). Capped by that setting.
    /// </summary>
    public GenerationBudget? Budget { get; init; }
}
