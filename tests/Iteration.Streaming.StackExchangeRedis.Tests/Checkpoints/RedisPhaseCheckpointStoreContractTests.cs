using Iteration.Streaming.Checkpoints;
using Iteration.Streaming.StackExchangeRedis.Checkpoints;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Checkpoints;

[Collection(RedisCollection.Name)]
public sealed class RedisPhaseCheckpointStoreContractTests(RedisServerFixture server) : PhaseCheckpointStoreContractTests, IAsyncLifetime
{
    private RedisLogHarness? _instance;

    protected override Task<IPhaseCheckpointStore> CreateStoreAsync()
    {
        _instance ??= RedisLogHarness.Start(server);
        return Task.FromResult<IPhaseCheckpointStore>(new RedisPhaseCheckpointStore(_instance.Scripts));
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
