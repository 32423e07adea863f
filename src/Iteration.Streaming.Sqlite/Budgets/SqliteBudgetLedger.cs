using Iteration.Streaming.Budgets;
using Iteration.Streaming.Sqlite.Storage;

namespace Iteration.Streaming.Sqlite.Budgets;

/// <summary>
/// The budget ledger in the store file: reservations and settlements go through the store's single writer, each one
/// read-check-insert in the batch's transaction, so 100 racing starts against a cap admit exactly the cap, and the
/// ledger survives a restart with the records it counts for. Reads go to the file directly.
/// </summary>
/// <remarks>
/// The file is one host's (its lock file), so every reservation against it passes through this one writer: the
/// transaction is what keeps a reservation whole, the writer what orders them.
/// </remarks>
internal sealed class SqliteBudgetLedger(SqliteStore store, TimeProvider timeProvider) : IBudgetLedger
{
    public ValueTask<BudgetReservationResult> TryReserveAsync(BudgetReservation reservation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        ArgumentException.ThrowIfNullOrEmpty(reservation.UserId, nameof(reservation));
        ArgumentException.ThrowIfNullOrEmpty(reservation.GenerationId, nameof(reservation));
        ArgumentOutOfRangeException.ThrowIfNegative(reservation.Tokens, nameof(reservation));
        cancellationToken.ThrowIfCancellationRequested();
        var operation = new ReserveBudgetOperation(reservation);
        store.Writer.Enqueue(operation);
        return new ValueTask<BudgetReservationResult>(operation.Task);
    }

    public async ValueTask SettleAsync(string userId, string generationId, long usedTokens, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(generationId);
        ArgumentOutOfRangeException.ThrowIfNegative(usedTokens);
        cancellationToken.ThrowIfCancellationRequested();
        var operation = new SettleBudgetOperation(userId, generationId, usedTokens);
        store.Writer.Enqueue(operation);
        _ = await operation.Task.ConfigureAwait(false);
    }

    public async ValueTask<BudgetDay> GetDayAsync(string userId, DateOnly day, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        cancellationToken.ThrowIfCancellationRequested();
        using var reader = await store.Readers.RentAsync(cancellationToken).ConfigureAwait(false);
        var used = BudgetRows.Used(reader.Command(BudgetSql.GetUsed), userId, day.DayNumber);
        var unfinished = BudgetRows.Unfinished(reader.Command(BudgetSql.CountUnfinished), userId, timeProvider.GetUtcNow().ToUnixTimeMilliseconds());
        return new BudgetDay(used, unfinished);
    }
}
