using System.Collections.Concurrent;
using Iteration.Streaming.Records;

namespace Iteration.Streaming.StackExchangeRedis.Records;

/// <summary>
/// This instance's copies of the records of runs it owns, kept so that a generation Redis lost (restarted without
/// persistence) can be restored with its record. The record store writes them, the restore reads them, and the lease
/// renewal forgets a run's copy once this instance no longer owns it.
/// </summary>
internal sealed class OwnedRecordCopies
{
    private readonly ConcurrentDictionary<string, GenerationRecord> _copies = new(StringComparer.Ordinal);

    public GenerationRecord? Get(string generationId) => _copies.GetValueOrDefault(generationId);

    public void Set(GenerationRecord record) => _copies[record.GenerationId] = record;

    /// <summary>Replaces the copy with <paramref name="record"/> when there is one (this instance owns the run).</summary>
    public void Refresh(GenerationRecord record)
    {
        if (_copies.ContainsKey(record.GenerationId))
        {
            _copies[record.GenerationId] = record;
        }
    }

    public void Forget(string generationId) => _copies.TryRemove(generationId, out _);
}
