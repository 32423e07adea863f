using Iteration.Streaming.Idempotency;
using Iteration.Streaming.StackExchangeRedis.Idempotency;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Idempotency;

[Collection(RedisCollection.Name)]
public sealed class RedisIdempotencyStoreContractTests(RedisServerFixture server) : IdempotencyStoreContractTests, IAsyncLifetime
{
    private RedisLogHarness? _instance;

    protected override Task<IIdempotencyStore> CreateStoreAsync(TimeProvider clock)
    {
        _instance ??= RedisLogHarness.Start(server, timeProvider: clock);
        return Task.FromResult<IIdempotencyStore>(new RedisIdempotencyStore(_instance.Connection, clock));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_instance is not null)
        {
            await _instance.DisposeAsync();
        }
    }
}
