using System.ComponentModel.DataAnnotations;

namespace Iteration.Streaming.Hosting;

/// <summary>
/// Token budgets (<c>IterationStreaming:Budgets</c>): a cap per generation, an owner's daily allowance and concurrent
/// generations (read by the default <see cref="Budgets.IBudgetPolicy"/>), and an optional price table for costs.
/// </summary>
public sealed class BudgetOptions
{
    /// <summary>
    /// The most tokens one generation may be given (its <c>max_total_tokens</c> and <c>max_output_tokens</c> are capped to
    /// it), and the budget of a start that names none. Unset: no cap, and no budget unless a request names one.
    /// </summary>
    [Range(1L, long.MaxValue)]
    public long? MaxPerGeneration { get; set; }

    /// <summary>
    /// The tokens one owner may spend per UTC day. Each start reserves its budget against it (what it does not spend
    /// comes back when it ends), so racing starts never pass it. Needs <see cref="MaxPerGeneration"/> (every
    /// generation then has a budget to reserve). Unset: no daily allowance.
    /// </summary>
    [Range(1L, long.MaxValue)]
    public long? OwnerTokensPerDay { get; set; }

    /// <summary>The most generations one owner may have unfinished at once (running, queued or waiting). Unset: no limit.</summary>
    [Range(1, 1_000_000)]
    public int? OwnerConcurrentGenerations { get; set; }

    /// <summary>
    /// Prices per million tokens by model name (<c>Prices:{model}:Input</c>, <c>:Output</c>); a model reported without a
    /// name, or one not in the table, is priced at <c>Prices:default</c> when present. Adds <c>cost</c> beside
    /// <c>usage</c> on <c>phase_{n}_complete</c> and <c>completed</c>.
    /// </summary>
    public Dictionary<string, ModelPrice> Prices { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The currency of <see cref="Prices"/> (ISO 4217, three letters). Default <c>USD</c>.</summary>
    [RegularExpression("^[A-Z]{3}$")]
    public string Currency { get; set; } = "USD";
}

/// <summary>A model's price per million tokens.</summary>
public sealed class ModelPrice
{
    /// <summary>The price of a million input tokens; 0 or more.</summary>
    [Range(0.0, 1_000_000.0)]
    public decimal Input { get; set; }

    /// <summary>The price of a million output tokens; 0 or more.</summary>
    [Range(0.0, 1_000_000.0)]
    public decimal Output { get; set; }
}
