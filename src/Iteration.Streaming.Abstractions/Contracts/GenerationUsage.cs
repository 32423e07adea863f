namespace Iteration.Streaming.Contracts;

/// <summary>Model tokens a generation spent over all its attempts (saved phases and phases lost to a failure alike).</summary>
public sealed record GenerationUsage
{
    /// <summary>Input (prompt) tokens.</summary>
    public long InputTokens { get; init; }

    /// <summary>Output (completion) tokens.</summary>
    public long OutputTokens { get; init; }

    /// <summary>Input plus output tokens.</summary>
    public long TotalTokens => InputTokens + OutputTokens;
}
