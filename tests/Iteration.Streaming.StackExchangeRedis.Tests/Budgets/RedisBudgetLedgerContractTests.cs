using Iteration.Streaming.Budgets;
using Iteration.Streaming.StackExchangeRedis.Budgets;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Budgets;

[Collection(RedisCollection.Name)]
public sealed class RedisBudgetLedgerContractTests(RedisServerFixture server) : BudgetLedgerContractTests, IAsyncLifetime
{
    private RedisLogHarness? _instance;

    protected override Task<IBudgetLedger> CreateLedgerAsync(TimeProvider clock)
    {
        _instance ??= RedisLogHarness.Start(server, timeProvider: clock);
        return Task.FromResult<IBudgetLedger>(new RedisBudgetLedger(_instance.Connection, _instance.Scripts, clock));
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
