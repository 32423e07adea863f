namespace Iteration.Streaming.Contracts;

/// <summary>
/// What the tokens of a phase or a generation cost at the host's price table
/// (<c>IterationStreaming:Budgets:Prices</c>); <c>partial_output.cost</c> beside <c>partial_output.usage</c>.
/// </summary>
public sealed record GenerationCost
{
    /// <summary>The amount, in <see cref="Currency"/>.</summary>
    public decimal Amount { get; init; }

    /// <summary>The currency the price table is in (<c>IterationStreaming:Budgets:Currency</c>), such as <c>USD</c>.</summary>
    public required string Currency { get; init; }
}
