using System.Collections.Concurrent;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Records;

/// <summary>
/// Records in a dictionary: the default, for one instance that need not survive a restart (nothing resumes after one).
/// </summary>
internal sealed class InMemoryGenerationRecordStore(TimeProvider timeProvider) : IGenerationRecordStore
{
    private readonly ConcurrentDictionary<string, Entry> _records = new(StringComparer.Ordinal);

    internal int Count => _records.Count;

    public bool IsDurable => false;

    public ValueTask AddAsync(GenerationRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentException.ThrowIfNullOrWhiteSpace(record.GenerationId, nameof(record));
        cancellationToken.ThrowIfCancellationRequested();
        if (!_records.TryAdd(record.GenerationId, new Entry(record)))
        {
            throw new InvalidOperationException($"A record of generation '{record.GenerationId}' exists already.");
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<GenerationRecord?> GetAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(_records.TryGetValue(generationId, out var entry) ? entry.Record : null);
    }

    public ValueTask<GenerationRecord?> UpdateAsync(string generationId, GenerationRecordUpdate update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        ArgumentNullException.ThrowIfNull(update);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_records.TryGetValue(generationId, out var entry))
        {
            return ValueTask.FromResult<GenerationRecord?>(null);
        }

        lock (entry)
        {
            entry.Record = GenerationRecords.Apply(entry.Record, update, timeProvider.GetUtcNow());
            return ValueTask.FromResult<GenerationRecord?>(entry.Record);
        }
    }

    public ValueTask<GenerationRecord?> TryUpdateSteeringAsync(string generationId, long expectedRevision, GenerationRecordUpdate update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        ArgumentNullException.ThrowIfNull(update);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_records.TryGetValue(generationId, out var entry))
        {
            return ValueTask.FromResult<GenerationRecord?>(null);
        }

        lock (entry)
        {
            if (GenerationRecords.SteeringRevision(entry.Record) != expectedRevision)
            {
                return ValueTask.FromResult<GenerationRecord?>(null);
            }

            entry.Record = GenerationRecords.Apply(entry.Record, update, timeProvider.GetUtcNow());
            return ValueTask.FromResult<GenerationRecord?>(entry.Record);
        }
    }

    public ValueTask<IReadOnlyList<GenerationRecord>> ListUnfinishedAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        IReadOnlyList<GenerationRecord> list = [.. Snapshot().Where(static r => !GenerationStatus.IsTerminal(r.Status)).OrderBy(static r => r.CreatedAt)];
        return ValueTask.FromResult(list);
    }

    public ValueTask<IReadOnlyList<GenerationRecord>> ListEndedAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        IReadOnlyList<GenerationRecord> list = [.. Snapshot().Where(static r => GenerationStatus.IsTerminal(r.Status)).OrderBy(static r => r.EndedAt)];
        return ValueTask.FromResult(list);
    }

    public ValueTask<GenerationRecordPage> ListByUserAsync(GenerationRecordQuery query, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(GenerationRecords.Page(Snapshot(), query));
    }

    public ValueTask<bool> DeleteAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(_records.TryRemove(generationId, out _));
    }

    private IEnumerable<GenerationRecord> Snapshot() => _records.Values.Select(static e =>
    {
        lock (e)
        {
            return e.Record;
        }
    });

    private sealed class Entry(GenerationRecord record)
    {
        public GenerationRecord Record { get; set; } = record;
    }
}
