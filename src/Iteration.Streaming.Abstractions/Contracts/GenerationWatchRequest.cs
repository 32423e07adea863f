namespace Iteration.Streaming.Contracts;

/// <summary>
/// The body of <c>POST {prefix}/watch</c>: the generations one multiplexed stream follows, each with a token that
/// opens it.
/// </summary>
public sealed record GenerationWatchRequest
{
    /// <summary>The generations, 1 to <c>IterationStreaming:MaxGenerationsPerStream</c> (default 100), no id twice.</summary>
    public required IReadOnlyList<GenerationWatchMember> Generations { get; init; }
}
