using Iteration.Streaming.Checkpoints;
using Iteration.Streaming.Sqlite.Checkpoints;
using Iteration.Streaming.Sqlite.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Sqlite.Tests.Checkpoints;

public sealed class SqlitePhaseCheckpointStoreContractTests : PhaseCheckpointStoreContractTests, IDisposable
{
    private readonly StoreHarness _harness = new();
    private SqlitePhaseCheckpointStore? _store;

    protected override Task<IPhaseCheckpointStore> CreateStoreAsync() =>
        Task.FromResult<IPhaseCheckpointStore>(_store ??= new SqlitePhaseCheckpointStore(_harness.Store));

    public void Dispose() => _harness.Dispose();
}
