using Iteration.Streaming.Events;

namespace Iteration.Streaming.Records;

/// <summary>The rules of <see cref="IGenerationRecordStore.UpdateAsync"/>, for stores that change a whole record at once.</summary>
public static class GenerationRecords
{
    /// <summary>
    /// Returns <paramref name="record"/> with the set fields of <paramref name="update"/> applied: a terminal status also
    /// sets the end time to <paramref name="now"/>; a terminal record keeps its status and end time.
    /// </summary>
    /// <param name="record">The record before the change.</param>
    /// <param name="update">The change.</param>
    /// <param name="now">The store's current time.</param>
    /// <returns>The changed record.</returns>
    public static GenerationRecord Apply(GenerationRecord record, GenerationRecordUpdate update, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(update);
        var ended = GenerationStatus.IsTerminal(record.Status);
        var status = ended || update.Status is null ? record.Status : update.Status;
        var endedAt = !ended && GenerationStatus.IsTerminal(status) ? now : record.EndedAt;
        return record with
        {
            Status = status,
            EndedAt = endedAt,
            Plan = update.Plan ?? record.Plan,
            PhasesSaved = update.PhasesSaved ?? record.PhasesSaved,
            Attempts = update.Attempts ?? record.Attempts,
            Owner = update.Owner ?? record.Owner,
            InterruptedAt = update.ClearInterrupted ? null : update.InterruptedAt ?? record.InterruptedAt,
            FileCount = update.FileCount ?? record.FileCount,
            TotalBytes = update.TotalBytes ?? record.TotalBytes,
            Steering = update.Steering ?? record.Steering,
            Budget = update.Budget ?? record.Budget,
            Usage = update.Usage ?? record.Usage,
            Cost = update.Cost ?? record.Cost,
            Stage = update.Stage ?? record.Stage,
            Progress = update.Progress ?? record.Progress,
            RetryAt = update.ClearRetryAt ? null : update.RetryAt ?? record.RetryAt,
            AutoRetries = update.AutoRetries ?? record.AutoRetries,
        };
    }

    /// <summary>The revision of a record's steering: 0 when it has none.</summary>
    /// <param name="record">The record.</param>
    /// <returns>Its <see cref="RunSteering.Revision"/>, or 0.</returns>
    public static long SteeringRevision(GenerationRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.Steering?.Revision ?? 0;
    }

    /// <summary>
    /// The rules of <see cref="IGenerationRecordStore.ListByUserAsync"/> over records in memory: the user's records with
    /// the status asked, newest first (creation time to the millisecond, then id, descending), after the position.
    /// </summary>
    /// <param name="records">Every record the store holds (any user).</param>
    /// <param name="query">The query.</param>
    /// <returns>The page.</returns>
    public static GenerationRecordPage Page(IEnumerable<GenerationRecord> records, GenerationRecordQuery query)
    {
        ArgumentNullException.ThrowIfNull(records);
        ValidateQuery(query);
        var after = query.After;
        var page = records
            .Where(r => string.Equals(r.UserId, query.UserId, StringComparison.Ordinal) && (query.Status is null || r.Status == query.Status))
            .Select(static r => (Record: r, Position: GenerationRecordPosition.Of(r)))
            .Where(p => after is null || Compare(p.Position, after) < 0)
            .OrderByDescending(static p => p.Position.CreatedAt)
            .ThenByDescending(static p => p.Position.GenerationId, StringComparer.Ordinal)
            .Take(query.Limit + 1)
            .ToList();
        var more = page.Count > query.Limit;
        var kept = page.Take(query.Limit).Select(static p => p.Record).ToList();
        return new GenerationRecordPage(kept, more ? GenerationRecordPosition.Of(kept[^1]) : null);
    }

    /// <summary>Checks a <see cref="GenerationRecordQuery"/>: a user, a limit from 1 to <see cref="GenerationRecordQuery.MaxLimit"/>.</summary>
    /// <param name="query">The query.</param>
    /// <exception cref="ArgumentException">The query is not valid.</exception>
    public static void ValidateQuery(GenerationRecordQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentException.ThrowIfNullOrEmpty(query.UserId, nameof(query));
        if (query.Limit is < 1 or > GenerationRecordQuery.MaxLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(query), query.Limit, $"The limit must be from 1 to {GenerationRecordQuery.MaxLimit}.");
        }
    }

    /// <summary>Compares two positions in list order's terms: negative when <paramref name="x"/> is older (comes later in the list).</summary>
    /// <param name="x">A position.</param>
    /// <param name="y">Another.</param>
    /// <returns>The comparison of creation times (to the millisecond), then of ids (ordinal).</returns>
    public static int Compare(GenerationRecordPosition x, GenerationRecordPosition y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        var byTime = x.CreatedAt.ToUnixTimeMilliseconds().CompareTo(y.CreatedAt.ToUnixTimeMilliseconds());
        return byTime != 0 ? byTime : string.CompareOrdinal(x.GenerationId, y.GenerationId);
    }
}
