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
}
