using Iteration.Streaming.Contracts;

namespace Iteration.Streaming.Budgets;

/// <summary>
/// Decides whether a generation may start with its budget, and learns what it spent when it ends. The default policy
/// (<see cref="OwnerBudgetPolicy"/>) reserves the budget against the owner's daily allowance and counts the owner's
/// unfinished generations (<c>Budgets:OwnerTokensPerDay</c>, <c>Budgets:OwnerConcurrentGenerations</c>) in the
/// <see cref="IBudgetLedger"/> of the registered store. Register your own with <c>AddBudgetPolicy</c>.
/// </summary>
public interface IBudgetPolicy
{
    /// <summary>
    /// Admits a start, iteration or retry, or refuses it by throwing <see cref="Engine.GenerationBudgetExceededException"/>
    /// (HTTP 429). Called before the generation exists; a refused one is never created.
    /// </summary>
    /// <param name="request">Who starts what, with which budget.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the generation is admitted.</returns>
    ValueTask AdmitAsync(BudgetRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Settles an admitted generation once it has ended (completed, failed, cancelled), or when its start failed after
    /// admission: what it did not spend comes back. Called at most once per generation by the instance that ends it;
    /// it must be idempotent all the same (a crash between the end and the settle settles again at recovery).
    /// </summary>
    /// <param name="settlement">The generation and the tokens it spent.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the settlement is kept.</returns>
    ValueTask SettleAsync(BudgetSettlement settlement, CancellationToken cancellationToken = default);
}

/// <summary>A start, iteration or retry asking <see cref="IBudgetPolicy"/> to be admitted.</summary>
public sealed record BudgetRequest
{
    /// <summary>The new generation's id.</summary>
    public required string GenerationId { get; init; }

    /// <summary>The signed-in user who starts it, or <see langword="null"/> when anonymous.</summary>
    public string? UserId { get; init; }

    /// <summary>Its budget after the host's cap, or <see langword="null"/> when it has none.</summary>
    public GenerationBudget? Budget { get; init; }

    /// <summary>The tokens to reserve: <see cref="GenerationBudget.MaxTotalTokens"/>, else <see cref="GenerationBudget.MaxOutputTokens"/>; 0 without a budget.</summary>
    public long ReservedTokens => Budget?.MaxTotalTokens ?? Budget?.MaxOutputTokens ?? 0;

    /// <summary>When it is asked.</summary>
    public required DateTimeOffset At { get; init; }
}

/// <summary>An ended generation's spend, for <see cref="IBudgetPolicy.SettleAsync"/>.</summary>
public sealed record BudgetSettlement
{
    /// <summary>The generation's id.</summary>
    public required string GenerationId { get; init; }

    /// <summary>The user who started it, or <see langword="null"/>.</summary>
    public string? UserId { get; init; }

    /// <summary>The tokens (input plus output) it spent over all its attempts.</summary>
    public long UsedTokens { get; init; }
}
