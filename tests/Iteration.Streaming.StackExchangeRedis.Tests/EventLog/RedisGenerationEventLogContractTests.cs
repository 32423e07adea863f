using Iteration.Streaming.EventLog;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.StackExchangeRedis.Tests.EventLog;

[Collection(RedisCollection.Name)]
public sealed class RedisGenerationEventLogContractTests(RedisServerFixture server) : GenerationEventLogContractTests, IAsyncLifetime
{
    private readonly RedisLogHarness _instance = RedisLogHarness.Start(server);

    protected override Task<IGenerationEventLog> CreateLogAsync() => Task.FromResult<IGenerationEventLog>(_instance.Log);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _instance.DisposeAsync();
}
