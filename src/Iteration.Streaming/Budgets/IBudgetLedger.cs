namespace Iteration.Streaming.Budgets;

/// <summary>
/// Keeps what each owner has spent and reserved per UTC day, and which of their generations are unfinished, so that a
/// daily allowance and a concurrency limit hold under racing starts. Every store package registers one whose
/// <see cref="TryReserveAsync"/> is atomic across instances sharing the store (a transaction in SQLite, a script in
/// Redis); the in-memory one is atomic in its process.
/// </summary>
public interface IBudgetLedger
{
    /// <summary>
    /// Reserves <see cref="BudgetReservation.Tokens"/> for a generation unless that would take the owner's day past
    /// <see cref="BudgetReservation.TokensPerDay"/> or their unfinished generations past
    /// <see cref="BudgetReservation.ConcurrentGenerations"/>. Reserving again for the same generation changes nothing and
    /// answers as the first time did.
    /// </summary>
    /// <param name="reservation">What to reserve, and the limits.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Whether it was reserved, and if not, which limit refused it and how much of it is used.</returns>
    ValueTask<BudgetReservationResult> TryReserveAsync(BudgetReservation reservation, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces a generation's reservation with what it spent (in the day it was reserved) and stops counting it as
    /// unfinished. Settling a generation that has no reservation, or settling twice, changes nothing.
    /// </summary>
    /// <param name="userId">The owner.</param>
    /// <param name="generationId">The generation.</param>
    /// <param name="usedTokens">The tokens it spent; may be more than it reserved (see the budget's overshoot).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the settlement is kept.</returns>
    ValueTask SettleAsync(string userId, string generationId, long usedTokens, CancellationToken cancellationToken = default);

    /// <summary>What an owner has spent and reserved on <paramref name="day"/>, and how many generations they have unfinished.</summary>
    /// <param name="userId">The owner.</param>
    /// <param name="day">The UTC day.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The owner's day.</returns>
    ValueTask<BudgetDay> GetDayAsync(string userId, DateOnly day, CancellationToken cancellationToken = default);
}

/// <summary>A reservation asked of <see cref="IBudgetLedger.TryReserveAsync"/>.</summary>
public sealed record BudgetReservation
{
    /// <summary>The owner.</summary>
    public required string UserId { get; init; }

    /// <summary>The generation.</summary>
    public required string GenerationId { get; init; }

    /// <summary>The tokens to reserve (0 reserves none but still counts the generation as unfinished).</summary>
    public required long Tokens { get; init; }

    /// <summary>The UTC day it counts against.</summary>
    public required DateOnly Day { get; init; }

    /// <summary>The owner's allowance for the day, or <see langword="null"/> for none.</summary>
    public long? TokensPerDay { get; init; }

    /// <summary>The most unfinished generations of the owner, this one included, or <see langword="null"/> for no limit.</summary>
    public int? ConcurrentGenerations { get; init; }

    /// <summary>
    /// When it is asked. A reservation not settled within <see cref="UnsettledExpiry"/> of it stops counting as
    /// unfinished (a generation deleted or lost without its end).
    /// </summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>How long an unsettled reservation counts as an unfinished generation.</summary>
    public static readonly TimeSpan UnsettledExpiry = TimeSpan.FromDays(2);
}

/// <summary>What <see cref="IBudgetLedger.TryReserveAsync"/> answered.</summary>
/// <param name="Reserved">Whether the tokens are reserved.</param>
/// <param name="RefusedBy">
/// When not: <see cref="Engine.GenerationBudgetExceededException.TokensPerDay"/> or
/// <see cref="Engine.GenerationBudgetExceededException.ConcurrentGenerations"/>.
/// </param>
/// <param name="TokensUsed">The owner's tokens spent and reserved that day, before this reservation.</param>
/// <param name="Unfinished">The owner's unfinished generations, before this one.</param>
public sealed record BudgetReservationResult(bool Reserved, string? RefusedBy, long TokensUsed, int Unfinished);

/// <summary>An owner's day in the ledger.</summary>
/// <param name="TokensUsed">Tokens spent by settled generations plus tokens reserved by unsettled ones.</param>
/// <param name="Unfinished">Generations reserved and not settled.</param>
public sealed record BudgetDay(long TokensUsed, int Unfinished);
