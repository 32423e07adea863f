using Iteration.Streaming.Checkpoints;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Tests.Engine;

public sealed class InMemoryPhaseCheckpointStoreContractTests : PhaseCheckpointStoreContractTests
{
    private readonly InMemoryPhaseCheckpointStore _store = new();

    protected override Task<IPhaseCheckpointStore> CreateStoreAsync() => Task.FromResult<IPhaseCheckpointStore>(_store);
}
