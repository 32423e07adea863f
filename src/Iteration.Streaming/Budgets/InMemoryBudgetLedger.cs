namespace Iteration.Streaming.Budgets;

/// <summary>The ledger of the in-memory store: atomic in this process; forgotten on restart, like the records it counts for.</summary>
internal sealed class InMemoryBudgetLedger(TimeProvider timeProvider) : IBudgetLedger
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string UserId, DateOnly Day), long> _days = [];
    private readonly Dictionary<(string UserId, string GenerationId), Entry> _entries = [];

    public ValueTask<BudgetReservationResult> TryReserveAsync(BudgetReservation reservation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        ArgumentOutOfRangeException.ThrowIfNegative(reservation.Tokens);
        lock (_gate)
        {
            if (_entries.TryGetValue((reservation.UserId, reservation.GenerationId), out var existing))
            {
                // Asked again (a replayed request): reserved already, answered as the first time was.
                return ValueTask.FromResult(new BudgetReservationResult(true, null, existing.UsedBefore, existing.UnfinishedBefore));
            }

            var used = _days.GetValueOrDefault((reservation.UserId, reservation.Day));
            var unfinished = CountUnfinished(reservation.UserId, reservation.At);
            if (reservation.ConcurrentGenerations is { } most && unfinished >= most)
            {
                return ValueTask.FromResult(new BudgetReservationResult(false, Engine.GenerationBudgetExceededException.ConcurrentGenerations, used, unfinished));
            }

            // Written so that it cannot overflow: used never exceeds what was reserved and spent.
            if (reservation.TokensPerDay is { } allowance && reservation.Tokens > allowance - used)
            {
                return ValueTask.FromResult(new BudgetReservationResult(false, Engine.GenerationBudgetExceededException.TokensPerDay, used, unfinished));
            }

            _days[(reservation.UserId, reservation.Day)] = used + reservation.Tokens;
            _entries[(reservation.UserId, reservation.GenerationId)] = new Entry(reservation.Day, reservation.Tokens, reservation.At, Settled: false, used, unfinished);
            Prune(reservation.Day);
            return ValueTask.FromResult(new BudgetReservationResult(true, null, used, unfinished));
        }
    }

    public ValueTask SettleAsync(string userId, string generationId, long usedTokens, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(generationId);
        ArgumentOutOfRangeException.ThrowIfNegative(usedTokens);
        lock (_gate)
        {
            if (_entries.TryGetValue((userId, generationId), out var entry) && !entry.Settled)
            {
                var key = (userId, entry.Day);
                _days[key] = Math.Max(0, _days.GetValueOrDefault(key) - entry.Tokens) + usedTokens;
                _entries[(userId, generationId)] = entry with { Settled = true };
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<BudgetDay> GetDayAsync(string userId, DateOnly day, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(new BudgetDay(_days.GetValueOrDefault((userId, day)), CountUnfinished(userId, timeProvider.GetUtcNow())));
        }
    }

    private int CountUnfinished(string userId, DateTimeOffset now)
    {
        var count = 0;
        foreach (var ((owner, _), entry) in _entries)
        {
            if (!entry.Settled && owner == userId && now - entry.At < BudgetReservation.UnsettledExpiry)
            {
                count++;
            }
        }

        return count;
    }

    private void Prune(DateOnly today)
    {
        // Days and entries older than the unsettled expiry can no longer count for anything.
        var oldest = today.AddDays(-(int)BudgetReservation.UnsettledExpiry.TotalDays - 1);
        if (_days.Count > 1_024)
        {
            foreach (var key in _days.Keys.Where(k => k.Day < oldest).ToList())
            {
                _days.Remove(key);
            }
        }

        if (_entries.Count > 1_024)
        {
            foreach (var key in _entries.Where(e => e.Value.Day < oldest).Select(e => e.Key).ToList())
            {
                _entries.Remove(key);
            }
        }
    }

    private sealed record Entry(DateOnly Day, long Tokens, DateTimeOffset At, bool Settled, long UsedBefore, int UnfinishedBefore);
}
