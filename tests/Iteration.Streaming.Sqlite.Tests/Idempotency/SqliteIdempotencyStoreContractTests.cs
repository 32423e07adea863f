using Iteration.Streaming.Idempotency;
using Iteration.Streaming.Sqlite.Idempotency;
using Iteration.Streaming.Sqlite.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Sqlite.Tests.Idempotency;

public sealed class SqliteIdempotencyStoreContractTests : IdempotencyStoreContractTests, IDisposable
{
    private readonly StoreHarness _harness = new();
    private SqliteIdempotencyStore? _store;

    protected override Task<IIdempotencyStore> CreateStoreAsync(TimeProvider clock) =>
        Task.FromResult<IIdempotencyStore>(_store ??= new SqliteIdempotencyStore(_harness.Store, clock));

    public void Dispose() => _harness.Dispose();
}

/// <summary>The contract again, every read made on a store reopened on the same file: the keys survive a restart.</summary>
public sealed class SqliteIdempotencyStoreAfterRestartContractTests : IdempotencyStoreContractTests, IDisposable
{
    private readonly StoreHarness _harness = new();

    protected override Task<IIdempotencyStore> CreateStoreAsync(TimeProvider clock) =>
        Task.FromResult<IIdempotencyStore>(new ReopeningStore(_harness, clock));

    public void Dispose() => _harness.Dispose();

    private sealed class ReopeningStore(StoreHarness harness, TimeProvider clock) : IIdempotencyStore
    {
        private readonly Lock _gate = new();

        public bool IsDurable => true;

        public ValueTask<IdempotencyEntry?> TryAddAsync(IdempotencyEntry entry, CancellationToken cancellationToken = default) =>
            Current().TryAddAsync(entry, cancellationToken);

        public ValueTask<bool> CompleteAsync(string key, string fingerprint, string result, DateTimeOffset expiresAt, CancellationToken cancellationToken = default) =>
            Current().CompleteAsync(key, fingerprint, result, expiresAt, cancellationToken);

        public ValueTask<bool> RemoveAsync(string key, string fingerprint, CancellationToken cancellationToken = default) =>
            Current().RemoveAsync(key, fingerprint, cancellationToken);

        public ValueTask<IdempotencyEntry?> GetAsync(string key, CancellationToken cancellationToken = default) => Reopened().GetAsync(key, cancellationToken);

        private SqliteIdempotencyStore Current()
        {
            lock (_gate)
            {
                return new SqliteIdempotencyStore(harness.Store, clock);
            }
        }

        private SqliteIdempotencyStore Reopened()
        {
            lock (_gate)
            {
                harness.Reopen();
                return new SqliteIdempotencyStore(harness.Store, clock);
            }
        }
    }
}
