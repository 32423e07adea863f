using Iteration.Streaming.Records;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Records;

[Collection(RedisCollection.Name)]
public sealed class RedisGenerationRecordStoreContractTests(RedisServerFixture server) : GenerationRecordStoreContractTests, IAsyncLifetime
{
    private RedisLogHarness? _instance;

    protected override Task<IGenerationRecordStore> CreateStoreAsync(TimeProvider clock)
    {
        _instance ??= RedisLogHarness.Start(server, timeProvider: clock);
        return Task.FromResult<IGenerationRecordStore>(_instance.Records);
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
