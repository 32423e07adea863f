namespace Iteration.Streaming.Client;

/// <summary>
/// Why the server refused to start a generation for its budget (a 429 Problem Details of type <see cref="ProblemType"/>):
/// <see cref="IterationApiException.BudgetRefusal"/>.
/// </summary>
/// <remarks>
/// The host's policy counts per owner: tokens per day (<c>owner_tokens_per_day</c>: spent and reserved today, a start
/// reserving its whole budget) and generations running at once (<c>owner_concurrent_generations</c>). Try again after
/// <see cref="ResetsAt"/>, with a smaller budget, or once a running generation has ended.
/// </remarks>
public sealed record BudgetRefusal
{
    /// <summary>The Problem Details <c>type</c> of a budget refusal.</summary>
    public const string ProblemType = "https://iteration-streaming.dev/problems/budget-exceeded";

    /// <summary>The owner's tokens-per-day allowance would be passed.</summary>
    public const string TokensPerDay = "owner_tokens_per_day";

    /// <summary>The owner has as many generations running as the host allows.</summary>
    public const string ConcurrentGenerations = "owner_concurrent_generations";

    /// <summary>Which limit refused the start (<see cref="TokensPerDay"/>, <see cref="ConcurrentGenerations"/>, or a host policy's own name); empty when the server named none.</summary>
    public required string Limit { get; init; }

    /// <summary>The limit's value (tokens, or generations).</summary>
    public long? Allowed { get; init; }

    /// <summary>How much of the limit is used (tokens spent and reserved today, or generations running).</summary>
    public long? Used { get; init; }

    /// <summary>When the limit resets (the next UTC midnight for a daily allowance), when it does.</summary>
    public DateTimeOffset? ResetsAt { get; init; }

    /// <summary>The server's <c>Retry-After</c>, when it sent one.</summary>
    public TimeSpan? RetryAfter { get; init; }
}
