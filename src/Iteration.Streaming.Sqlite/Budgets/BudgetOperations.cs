using Iteration.Streaming.Budgets;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Sqlite.Storage;
using Microsoft.Data.Sqlite;

namespace Iteration.Streaming.Sqlite.Budgets;

/// <summary>
/// Reserves a generation's tokens on the writer thread, in the batch's transaction: reads the owner's day and unfinished
/// count, checks the limits and inserts, with no other write between (the store has one writer), so racing reservations
/// are decided one after the other and never pass a limit together.
/// </summary>
internal sealed class ReserveBudgetOperation(BudgetReservation reservation) : WriteOperation<BudgetReservationResult>
{
    /// <summary>Days kept behind the reservation's day: longer than an unsettled reservation counts, so a late settlement still finds it.</summary>
    private const int DaysKept = 7;

    public override string Describe() => $"the budget reservation of generation '{reservation.GenerationId}'";

    protected override void Run(WriteBatch batch)
    {
        var day = reservation.Day.DayNumber;
        var at = reservation.At.ToUnixTimeMilliseconds();
        var used = BudgetRows.Used(batch.Command(BudgetSql.GetUsed), reservation.UserId, day);
        var unfinished = BudgetRows.Unfinished(batch.Command(BudgetSql.CountUnfinished), reservation.UserId, at);
        if (BudgetRows.Find(batch.Command(BudgetSql.GetReservation), reservation.UserId, reservation.GenerationId) is { } existing)
        {
            // Asked again (a retried start): the first answer, without this reservation in the counts.
            var open = !existing.Settled;
            var counted = open && existing.ReservedAt > at - BudgetRows.ExpiryMilliseconds;
            SetResult(new BudgetReservationResult(true, null, used - (open && existing.Day == day ? existing.Tokens : 0), unfinished - (counted ? 1 : 0)));
            return;
        }

        if (reservation.ConcurrentGenerations is { } most && unfinished >= most)
        {
            SetResult(new BudgetReservationResult(false, GenerationBudgetExceededException.ConcurrentGenerations, used, unfinished));
            return;
        }

        if (reservation.TokensPerDay is { } allowance && reservation.Tokens > allowance - used)
        {
            SetResult(new BudgetReservationResult(false, GenerationBudgetExceededException.TokensPerDay, used, unfinished));
            return;
        }

        batch.Command(BudgetSql.Prune).With("$user_id", reservation.UserId).With("$oldest", day - DaysKept).ExecuteNonQuery();
        batch.Command(BudgetSql.AddToDay).With("$user_id", reservation.UserId).With("$day", day).With("$tokens", reservation.Tokens).ExecuteNonQuery();
        batch.Command(BudgetSql.InsertReservation)
            .With("$user_id", reservation.UserId)
            .With("$generation_id", reservation.GenerationId)
            .With("$day", day)
            .With("$tokens", reservation.Tokens)
            .With("$reserved_at", at)
            .ExecuteNonQuery();
        SetResult(new BudgetReservationResult(true, null, used, unfinished));
    }
}

/// <summary>Replaces an open reservation with what the generation used, in the same transaction as the read; a settled or unknown one is left.</summary>
internal sealed class SettleBudgetOperation(string userId, string generationId, long usedTokens) : WriteOperation<bool>
{
    public override string Describe() => $"the budget settlement of generation '{generationId}'";

    protected override void Run(WriteBatch batch)
    {
        if (BudgetRows.Find(batch.Command(BudgetSql.GetReservation), userId, generationId) is not { Settled: false } open)
        {
            SetResult(false);
            return;
        }

        batch.Command(BudgetSql.SettleDay)
            .With("$user_id", userId)
            .With("$day", open.Day)
            .With("$reserved", open.Tokens)
            .With("$used", usedTokens)
            .ExecuteNonQuery();
        batch.Command(BudgetSql.SettleReservation)
            .With("$user_id", userId)
            .With("$generation_id", generationId)
            .With("$used", usedTokens)
            .ExecuteNonQuery();
        SetResult(true);
    }
}

/// <summary>Reads the ledger's rows.</summary>
internal static class BudgetRows
{
    public static readonly long ExpiryMilliseconds = (long)BudgetReservation.UnsettledExpiry.TotalMilliseconds;

    public static long Used(SqliteCommand command, string userId, int day) =>
        command.With("$user_id", userId).With("$day", day).ExecuteScalar() is long used ? used : 0;

    /// <summary>The owner's reservations not settled and younger than the expiry at <paramref name="now"/> (Unix ms).</summary>
    public static int Unfinished(SqliteCommand command, string userId, long now) =>
        (int)(long)command.With("$user_id", userId).With("$since", now - ExpiryMilliseconds).ExecuteScalar()!;

    public static Reservation? Find(SqliteCommand command, string userId, string generationId)
    {
        using var row = command.With("$user_id", userId).With("$generation_id", generationId).ExecuteReader();
        return row.Read() ? new Reservation(row.GetInt32(0), row.GetInt64(1), row.GetInt64(2) != 0, row.GetInt64(3)) : null;
    }

    public sealed record Reservation(int Day, long Tokens, bool Settled, long ReservedAt);
}
