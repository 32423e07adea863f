using Iteration.Streaming.Records;
using Iteration.Streaming.Sqlite.Records;
using Iteration.Streaming.Sqlite.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Sqlite.Tests.Records;

public sealed class SqliteGenerationRecordStoreContractTests : GenerationRecordStoreContractTests, IDisposable
{
    private readonly StoreHarness _harness = new();
    private SqliteGenerationRecordStore? _store;

    protected override Task<IGenerationRecordStore> CreateStoreAsync(TimeProvider clock) =>
        Task.FromResult<IGenerationRecordStore>(_store ??= new SqliteGenerationRecordStore(_harness.Store, clock));

    public void Dispose() => _harness.Dispose();
}

/// <summary>The contract again, each check made on a store reopened on the same file: what it says survives a restart.</summary>
public sealed class SqliteGenerationRecordStoreAfterRestartContractTests : GenerationRecordStoreContractTests, IDisposable
{
    private readonly StoreHarness _harness = new();

    protected override Task<IGenerationRecordStore> CreateStoreAsync(TimeProvider clock) =>
        Task.FromResult<IGenerationRecordStore>(new ReopeningStore(_harness, clock));

    public void Dispose() => _harness.Dispose();

    /// <summary>Writes through the current store, then reopens the file before every read.</summary>
    private sealed class ReopeningStore(StoreHarness harness, TimeProvider clock) : IGenerationRecordStore
    {
        private readonly Lock _gate = new();

        public bool IsDurable => true;

        public ValueTask AddAsync(GenerationRecord record, CancellationToken cancellationToken = default) => Current().AddAsync(record, cancellationToken);

        public ValueTask<GenerationRecord?> UpdateAsync(string generationId, GenerationRecordUpdate update, CancellationToken cancellationToken = default) =>
            Current().UpdateAsync(generationId, update, cancellationToken);

        public ValueTask<GenerationRecord?> TryUpdateSteeringAsync(string generationId, long expectedRevision, GenerationRecordUpdate update, CancellationToken cancellationToken = default) =>
            Current().TryUpdateSteeringAsync(generationId, expectedRevision, update, cancellationToken);

        public ValueTask<bool> DeleteAsync(string generationId, CancellationToken cancellationToken = default) => Current().DeleteAsync(generationId, cancellationToken);

        public ValueTask<GenerationRecord?> GetAsync(string generationId, CancellationToken cancellationToken = default) => Reopened().GetAsync(generationId, cancellationToken);

        public ValueTask<IReadOnlyList<GenerationRecord>> ListUnfinishedAsync(CancellationToken cancellationToken = default) => Reopened().ListUnfinishedAsync(cancellationToken);

        public ValueTask<IReadOnlyList<GenerationRecord>> ListEndedAsync(CancellationToken cancellationToken = default) => Reopened().ListEndedAsync(cancellationToken);

        public ValueTask<GenerationRecordPage> ListByUserAsync(GenerationRecordQuery query, CancellationToken cancellationToken = default) =>
            Reopened().ListByUserAsync(query, cancellationToken);

        private SqliteGenerationRecordStore Current()
        {
            lock (_gate)
            {
                return new SqliteGenerationRecordStore(harness.Store, clock);
            }
        }

        private SqliteGenerationRecordStore Reopened()
        {
            lock (_gate)
            {
                harness.Reopen();
                return new SqliteGenerationRecordStore(harness.Store, clock);
            }
        }
    }
}
