using Iteration.Streaming.Idempotency;
using Iteration.Streaming.Sqlite.Storage;

namespace Iteration.Streaming.Sqlite.Idempotency;

/// <summary>
/// Idempotency keys and retry slots in the store file: they survive a restart, and every claim goes through the single
/// writer, so one of concurrent claims wins. Each claim first deletes the expired keys (an index on the expiry keeps that
/// cheap), so the table holds only live keys and those that expired since the last claim.
/// </summary>
internal sealed class SqliteIdempotencyStore(SqliteStore store, TimeProvider timeProvider) : IIdempotencyStore
{
    /// <summary>The longest key accepted; callers hash what their clients send.</summary>
    private const int MaxKeyLength = 512;

    private Task? _table;

    public bool IsDurable => true;

    public async ValueTask<IdempotencyEntry?> TryAddAsync(IdempotencyEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (string.IsNullOrEmpty(entry.Key) || entry.Key.Length > MaxKeyLength)
        {
            throw new ArgumentException($"An idempotency entry's key must be 1 to {MaxKeyLength} characters.", nameof(entry));
        }

        if (string.IsNullOrEmpty(entry.Fingerprint))
        {
            throw new ArgumentException("An idempotency entry needs a fingerprint.", nameof(entry));
        }

        cancellationToken.ThrowIfCancellationRequested();
        await EnsureTableAsync().ConfigureAwait(false);
        var operation = new ClaimKeyOperation(entry, Now());
        store.Writer.Enqueue(operation);
        return await operation.Task.ConfigureAwait(false);
    }

    public async ValueTask<IdempotencyEntry?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        await EnsureTableAsync().ConfigureAwait(false);
        using var reader = await store.Readers.RentAsync(cancellationToken).ConfigureAwait(false);
        return IdempotencyRows.Get(reader.Command(IdempotencySql.Get), key, Now());
    }

    public async ValueTask<bool> CompleteAsync(string key, string fingerprint, string result, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(fingerprint);
        ArgumentNullException.ThrowIfNull(result);
        cancellationToken.ThrowIfCancellationRequested();
        await EnsureTableAsync().ConfigureAwait(false);
        var operation = new CompleteKeyOperation(key, fingerprint, result, expiresAt, Now());
        store.Writer.Enqueue(operation);
        return await operation.Task.ConfigureAwait(false);
    }

    public async ValueTask<bool> RemoveAsync(string key, string fingerprint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(fingerprint);
        cancellationToken.ThrowIfCancellationRequested();
        await EnsureTableAsync().ConfigureAwait(false);
        var operation = new RemoveKeyOperation(key, fingerprint, Now());
        store.Writer.Enqueue(operation);
        return await operation.Task.ConfigureAwait(false);
    }

    private long Now() => timeProvider.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Once per store: a file made before this table existed gets it (a new file has it already; then a no-op).</summary>
    private Task EnsureTableAsync()
    {
        var table = Volatile.Read(ref _table);
        if (table is { IsCompletedSuccessfully: true })
        {
            return table;
        }

        if (table is null or { IsFaulted: true } or { IsCanceled: true })
        {
            var operation = new CreateKeyTableOperation();
            store.Writer.Enqueue(operation);
            Interlocked.CompareExchange(ref _table, operation.Task, table);
        }

        return Volatile.Read(ref _table)!;
    }
}
