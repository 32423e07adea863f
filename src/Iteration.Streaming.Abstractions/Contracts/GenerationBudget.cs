namespace Iteration.Streaming.Contracts;

/// <summary>
/// The most model tokens a generation may spend (<c>budget</c> of start, iterate and retry). Crossing either limit stops
/// the run at once: <c>status: "failed"</c>, <c>stage: "budget_exceeded"</c>; its saved phases stay, and a retry with a
/// higher budget goes on from the last of them. The host caps both with <c>IterationStreaming:Budgets:MaxPerGeneration</c>.
/// </summary>
public sealed record GenerationBudget
{
    /// <summary>The most output (completion) tokens, counted over every attempt of the generation; at least 1.</summary>
    public long? MaxOutputTokens { get; init; }

    /// <summary>The most input plus output tokens, counted over every attempt of the generation; at least 1.</summary>
    public long? MaxTotalTokens { get; init; }
}
