using Iteration.Streaming.Records;
using Iteration.Streaming.Sqlite.Storage;

namespace Iteration.Streaming.Sqlite.Records;

/// <summary>
/// Generation records in the store file, beside the event logs. Writes share the event log's group commit (a record
/// change is durable when its call returns); reads go to the file directly.
/// </summary>
internal sealed class SqliteGenerationRecordStore(SqliteStore store, TimeProvider timeProvider) : IGenerationRecordStore
{
    public bool IsDurable => true;

    public ValueTask AddAsync(GenerationRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentException.ThrowIfNullOrWhiteSpace(record.GenerationId, nameof(record));
        if (record.Prompt is null || record.Entities is null || record.Status is null)
        {
            throw new ArgumentException("A record needs its prompt, entities and status.", nameof(record));
        }

        cancellationToken.ThrowIfCancellationRequested();
        var operation = new AddRecordOperation(record);
        store.Writer.Enqueue(operation);
        return new ValueTask(operation.Task);
    }

    public async ValueTask<GenerationRecord?> GetAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        cancellationToken.ThrowIfCancellationRequested();
        using var reader = await store.Readers.RentAsync(cancellationToken).ConfigureAwait(false);
        using var row = reader.Command(RecordSql.Get).With("$id", generationId).ExecuteReader();
        return row.Read() ? RecordRows.Read(row, store.Path) : null;
    }

    public ValueTask<GenerationRecord?> UpdateAsync(string generationId, GenerationRecordUpdate update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        ArgumentNullException.ThrowIfNull(update);
        cancellationToken.ThrowIfCancellationRequested();
        var operation = new UpdateRecordOperation(generationId, update, timeProvider, store.Path);
        store.Writer.Enqueue(operation);
        return new ValueTask<GenerationRecord?>(operation.Task);
    }

    public ValueTask<GenerationRecord?> TryUpdateSteeringAsync(string generationId, long expectedRevision, GenerationRecordUpdate update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        ArgumentNullException.ThrowIfNull(update);
        cancellationToken.ThrowIfCancellationRequested();
        var operation = new UpdateSteeringOperation(generationId, expectedRevision, update, timeProvider, store.Path);
        store.Writer.Enqueue(operation);
        return new ValueTask<GenerationRecord?>(operation.Task);
    }

    public ValueTask<IReadOnlyList<GenerationRecord>> ListUnfinishedAsync(CancellationToken cancellationToken = default) =>
        List(RecordSql.ListUnfinished, cancellationToken);

    public ValueTask<IReadOnlyList<GenerationRecord>> ListEndedAsync(CancellationToken cancellationToken = default) =>
        List(RecordSql.ListEnded, cancellationToken);

    /// <summary>
    /// One keyset query on the owner index (<c>records_by_user</c>): the rows after the position, newest first, one more
    /// than the page to know whether another follows; a status filter is checked on the rows as the index is walked.
    /// </summary>
    /// <remarks>
    /// Ids compare as SQLite's BINARY collation does (UTF-8 bytes), which is the ordinal (UTF-16) order for every id but
    /// those mixing characters above U+FFFF with ones from U+E000 to U+FFFF: engine ids are ASCII.
    /// </remarks>
    public async ValueTask<GenerationRecordPage> ListByUserAsync(GenerationRecordQuery query, CancellationToken cancellationToken = default)
    {
        GenerationRecords.ValidateQuery(query);
        cancellationToken.ThrowIfCancellationRequested();
        var records = new List<GenerationRecord>(query.Limit + 1);
        using (var reader = await store.Readers.RentAsync(cancellationToken).ConfigureAwait(false))
        {
            var command = reader.Command(query.After is null ? RecordSql.ListByUser : RecordSql.ListByUserAfter)
                .With("$user_id", query.UserId)
                .With("$status", query.Status)
                .With("$limit", query.Limit + 1);
            if (query.After is { } after)
            {
                command.With("$after_ms", after.CreatedAt.ToUnixTimeMilliseconds()).With("$after_id", after.GenerationId);
            }

            using var rows = command.ExecuteReader();
            while (rows.Read())
            {
                records.Add(RecordRows.Read(rows, store.Path));
            }
        }

        if (records.Count <= query.Limit)
        {
            return new GenerationRecordPage(records, null);
        }

        records.RemoveAt(records.Count - 1);
        return new GenerationRecordPage(records, GenerationRecordPosition.Of(records[^1]));
    }

    /// <summary>Writes a probe through the group commit (<see cref="ProbeWriteOperation"/>); throws when the file refuses it.</summary>
    public ValueTask ProbeWriteAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var operation = new ProbeWriteOperation();
        store.Writer.Enqueue(operation);
        return new ValueTask(operation.Task);
    }

    public ValueTask<bool> DeleteAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        cancellationToken.ThrowIfCancellationRequested();
        var operation = new DeleteRecordOperation(generationId);
        store.Writer.Enqueue(operation);
        return new ValueTask<bool>(operation.Task);
    }

    private async ValueTask<IReadOnlyList<GenerationRecord>> List(string sql, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var records = new List<GenerationRecord>();
        using var reader = await store.Readers.RentAsync(cancellationToken).ConfigureAwait(false);
        using var rows = reader.Command(sql).ExecuteReader();
        while (rows.Read())
        {
            records.Add(RecordRows.Read(rows, store.Path));
        }

        return records;
    }
}
