using Iteration.Streaming.Budgets;
using Iteration.Streaming.Engine;
using Iteration.Streaming.StackExchangeRedis.Connections;
using Iteration.Streaming.StackExchangeRedis.Scripts;

namespace Iteration.Streaming.StackExchangeRedis.Budgets;

/// <summary>
/// The budget ledger in Redis, shared by every instance: a reservation is one script that reads the owner's day and
/// unsettled count, checks the limits and writes (<see cref="RedisScripts.ReserveBudget"/>), so racing starts on any
/// number of instances never pass a limit together. The owner's keys share one hash tag; a day's key expires
/// <see cref="DaysKept"/> days after the day, the unsettled reservations some days after they stop counting.
/// </summary>
/// <remarks>
/// Time to live is relative (<c>PEXPIRE</c>, from the reservation's own time), not an absolute time on Redis's clock,
/// so a host clock and a Redis clock that disagree cannot expire a day at once.
/// </remarks>
internal sealed class RedisBudgetLedger(RedisConnection connection, RedisScriptGateway scripts, TimeProvider timeProvider) : IBudgetLedger
{
    /// <summary>Days a day's tokens are kept after the day ends.</summary>
    public const int DaysKept = 3;

    /// <summary>How long unsettled reservations are kept after they stop counting (a late settlement still finds them).</summary>
    private static readonly TimeSpan OpenKept = BudgetReservation.UnsettledExpiry + TimeSpan.FromDays(5);

    private readonly RedisKeys _keys = scripts.Keys;

    public async ValueTask<BudgetReservationResult> TryReserveAsync(BudgetReservation reservation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        ArgumentException.ThrowIfNullOrEmpty(reservation.UserId, nameof(reservation));
        ArgumentException.ThrowIfNullOrEmpty(reservation.GenerationId, nameof(reservation));
        ArgumentOutOfRangeException.ThrowIfNegative(reservation.Tokens, nameof(reservation));
        cancellationToken.ThrowIfCancellationRequested();
        var dayEnds = new DateTimeOffset(reservation.Day.AddDays(1 + DaysKept).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var dayTimeToLive = Math.Max((long)TimeSpan.FromHours(1).TotalMilliseconds, (long)(dayEnds - reservation.At).TotalMilliseconds);
        var (reserved, refusedBy, used, unfinished) = await scripts.ReserveBudgetAsync(
            reservation, dayTimeToLive, (long)OpenKept.TotalMilliseconds, cancellationToken).ConfigureAwait(false);
        var limit = refusedBy switch
        {
            1 => GenerationBudgetExceededException.ConcurrentGenerations,
            2 => GenerationBudgetExceededException.TokensPerDay,
            _ => null,
        };
        return new BudgetReservationResult(reserved, limit, used, unfinished);
    }

    public async ValueTask SettleAsync(string userId, string generationId, long usedTokens, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(generationId);
        ArgumentOutOfRangeException.ThrowIfNegative(usedTokens);
        cancellationToken.ThrowIfCancellationRequested();
        _ = await scripts.SettleBudgetAsync(userId, generationId, usedTokens, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<BudgetDay> GetDayAsync(string userId, DateOnly day, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        cancellationToken.ThrowIfCancellationRequested();
        var database = await connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var since = timeProvider.GetUtcNow() - BudgetReservation.UnsettledExpiry;
        var used = database.HashGetAsync(_keys.BudgetDay(userId, day), "used");
        var unfinished = database.SortedSetLengthAsync(_keys.BudgetOpenTimes(userId), since.ToUnixTimeMilliseconds(), double.PositiveInfinity, StackExchange.Redis.Exclude.Start);
        await Task.WhenAll(used, unfinished).WaitAsync(cancellationToken).ConfigureAwait(false);
        var tokens = await used.ConfigureAwait(false);
        return new BudgetDay(tokens.TryParse(out long spent) ? spent : 0, (int)await unfinished.ConfigureAwait(false));
    }
}
