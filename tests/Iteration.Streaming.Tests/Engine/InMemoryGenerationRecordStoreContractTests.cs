using Iteration.Streaming.Records;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Tests.Engine;

public sealed class InMemoryGenerationRecordStoreContractTests : GenerationRecordStoreContractTests
{
    private InMemoryGenerationRecordStore? _store;

    protected override Task<IGenerationRecordStore> CreateStoreAsync(TimeProvider clock) =>
        Task.FromResult<IGenerationRecordStore>(_store ??= new InMemoryGenerationRecordStore(clock));
}
