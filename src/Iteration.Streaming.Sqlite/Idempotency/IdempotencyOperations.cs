using Iteration.Streaming.Idempotency;
using Iteration.Streaming.Sqlite.Storage;
using Microsoft.Data.Sqlite;

namespace Iteration.Streaming.Sqlite.Idempotency;

/// <summary>
/// Claims a key on the writer thread: expired keys are deleted first (the table's retention), then the entry is added
/// unless a live one holds the key. One writer, so concurrent claims of a key are decided in order: one wins.
/// </summary>
internal sealed class ClaimKeyOperation(IdempotencyEntry entry, long now) : WriteOperation<IdempotencyEntry?>
{
    public override string Describe() => "an idempotency key";

    protected override void Run(WriteBatch batch)
    {
        batch.Command(IdempotencySql.DeleteExpired).With("$now", now).ExecuteNonQuery();
        var inserted = batch.Command(IdempotencySql.Insert)
            .With("$key", entry.Key)
            .With("$fingerprint", entry.Fingerprint)
            .With("$result", entry.Result)
            .With("$expires_at", entry.ExpiresAt.ToUnixTimeMilliseconds())
            .ExecuteNonQuery();
        SetResult(inserted > 0 ? null : IdempotencyRows.Get(batch.Command(IdempotencySql.Get), entry.Key, now));
    }
}

/// <summary>Records the holder's result and new expiry.</summary>
internal sealed class CompleteKeyOperation(string key, string fingerprint, string result, DateTimeOffset expiresAt, long now) : WriteOperation<bool>
{
    public override string Describe() => "the result of an idempotency key";

    protected override void Run(WriteBatch batch) => SetResult(batch.Command(IdempotencySql.Complete)
        .With("$key", key)
        .With("$fingerprint", fingerprint)
        .With("$result", result)
        .With("$expires_at", expiresAt.ToUnixTimeMilliseconds())
        .With("$now", now)
        .ExecuteNonQuery() > 0);
}

/// <summary>Frees a key its holder lets go of.</summary>
internal sealed class RemoveKeyOperation(string key, string fingerprint, long now) : WriteOperation<bool>
{
    public override string Describe() => "the release of an idempotency key";

    protected override void Run(WriteBatch batch) => SetResult(batch.Command(IdempotencySql.Remove)
        .With("$key", key)
        .With("$fingerprint", fingerprint)
        .With("$now", now)
        .ExecuteNonQuery() > 0);
}

/// <summary>Creates the table in a file made by a version without it.</summary>
internal sealed class CreateKeyTableOperation : WriteOperation<bool>
{
    public override string Describe() => "the idempotency key table";

    protected override void Run(WriteBatch batch)
    {
        batch.Command(SqliteSchema.IdempotencyKeys).ExecuteNonQuery();
        SetResult(true);
    }
}

/// <summary>Reads an entry row.</summary>
internal static class IdempotencyRows
{
    public static IdempotencyEntry? Get(SqliteCommand command, string key, long now)
    {
        using var row = command.With("$key", key).With("$now", now).ExecuteReader();
        return row.Read()
            ? new IdempotencyEntry
            {
                Key = key,
                Fingerprint = row.GetString(0),
                Result = row.IsDBNull(1) ? null : row.GetString(1),
                ExpiresAt = DateTimeOffset.FromUnixTimeMilliseconds(row.GetInt64(2)),
            }
            : null;
    }
}
