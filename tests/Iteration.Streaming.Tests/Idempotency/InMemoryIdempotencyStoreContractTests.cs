using Iteration.Streaming.Idempotency;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Tests.Idempotency;

public sealed class InMemoryIdempotencyStoreContractTests : IdempotencyStoreContractTests
{
    private InMemoryIdempotencyStore? _store;

    protected override Task<IIdempotencyStore> CreateStoreAsync(TimeProvider clock) =>
        Task.FromResult<IIdempotencyStore>(_store ??= new InMemoryIdempotencyStore(clock));
}
