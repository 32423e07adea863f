using Iteration.Streaming.Records;
using Iteration.Streaming.Sqlite.Storage;

namespace Iteration.Streaming.Sqlite.Records;

/// <summary>Adds a record; refused when one with the same id exists.</summary>
internal sealed class AddRecordOperation(GenerationRecord record) : WriteOperation<bool>
{
    public override string Describe() => $"the record of generation '{record.GenerationId}'";

    protected override void Run(WriteBatch batch)
    {
        if (RecordRows.BindAll(batch.Command(RecordSql.Insert), record).ExecuteNonQuery() == 0)
        {
            Refuse(new InvalidOperationException($"A record of generation '{record.GenerationId}' exists already."));
            return;
        }

        SetResult(true);
    }
}

/// <summary>
/// Changes a record by <see cref="GenerationRecords.Apply"/>: read, apply, write, all on the writer thread, so
/// concurrent updates of one record never lose each other's fields.
/// </summary>
internal sealed class UpdateRecordOperation(string generationId, GenerationRecordUpdate update, TimeProvider timeProvider, string path)
    : WriteOperation<GenerationRecord?>
{
    public override string Describe() => $"a change to the record of generation '{generationId}'";

    protected override void Run(WriteBatch batch)
    {
        GenerationRecord? current = null;
        using (var row = batch.Command(RecordSql.Get).With("$id", generationId).ExecuteReader())
        {
            if (row.Read())
            {
                current = RecordRows.Read(row, path);
            }
        }

        if (current is null)
        {
            SetResult(null);
            return;
        }

        var changed = GenerationRecords.Apply(current, update, timeProvider.GetUtcNow());
        RecordRows.BindChangeable(batch.Command(RecordSql.Update), changed).ExecuteNonQuery();
        SetResult(changed);
    }
}

/// <summary>
/// Changes a record by <see cref="GenerationRecords.Apply"/> only while its steering revision is
/// <paramref name="expectedRevision"/>: one conditional UPDATE on the writer thread, so of two changes from the same
/// revision exactly one applies (the store file has one writer, and the <c>WHERE</c> says the same again in SQL).
/// </summary>
internal sealed class UpdateSteeringOperation(string generationId, long expectedRevision, GenerationRecordUpdate update, TimeProvider timeProvider, string path)
    : WriteOperation<GenerationRecord?>
{
    public override string Describe() => $"a change to the steering of generation '{generationId}' at revision {expectedRevision}";

    protected override void Run(WriteBatch batch)
    {
        GenerationRecord? current = null;
        using (var row = batch.Command(RecordSql.Get).With("$id", generationId).ExecuteReader())
        {
            if (row.Read())
            {
                current = RecordRows.Read(row, path);
            }
        }

        if (current is null || GenerationRecords.SteeringRevision(current) != expectedRevision)
        {
            SetResult(null);
            return;
        }

        var changed = GenerationRecords.Apply(current, update, timeProvider.GetUtcNow());
        var applied = RecordRows.BindChangeable(batch.Command(RecordSql.UpdateAtRevision), changed)
            .With("$expected_revision", expectedRevision)
            .ExecuteNonQuery() > 0;
        SetResult(applied ? changed : null);
    }
}

/// <summary>Deletes a record.</summary>
internal sealed class DeleteRecordOperation(string generationId) : WriteOperation<bool>
{
    public override string Describe() => $"the deletion of the record of generation '{generationId}'";

    protected override void Run(WriteBatch batch) =>
        SetResult(batch.Command(RecordSql.Delete).With("$id", generationId).ExecuteNonQuery() > 0);
}

/// <summary>
/// The health probe's write: rewrites the file's schema version with its own value. A real page written through the
/// journal like any commit (so it fails as they do on a full disk), bounded to one page, with no row any lookup, listing
/// or retention reads.
/// </summary>
internal sealed class ProbeWriteOperation : WriteOperation<bool>
{
    private static readonly string Sql = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"PRAGMA user_version = {SqliteSchema.Version};");

    public override string Describe() => "the health probe";

    protected override void Run(WriteBatch batch)
    {
        batch.Command(Sql).ExecuteNonQuery();
        SetResult(true);
    }
}
