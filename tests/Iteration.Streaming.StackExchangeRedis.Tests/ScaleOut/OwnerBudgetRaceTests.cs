using Iteration.Streaming.StackExchangeRedis.Hosting;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Iteration.Streaming.TestHost;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.StackExchangeRedis.Tests.ScaleOut;

/// <summary>An owner's daily allowance on Redis: starts racing over two instances, over real HTTP, never pass it.</summary>
[Collection(RedisCollection.Name)]
public sealed class OwnerBudgetRaceTests(RedisServerFixture server)
{
    [Fact]
    public async Task HundredRacingStartsOnTwoInstances_AgainstADailyCap_AdmitExactlyTheCap()
    {
        var prefix = RedisLogHarness.NewPrefix();
        await using var a = await StartAsync(prefix, "A");
        await using var b = await StartAsync(prefix, "B");

        var (admitted, refused, refusal) = await OwnerBudgetRace.RaceAsync([a, b], starts: 100, user: "alice").WithPatience();

        admitted.Should().Be(10, refusal);
        refused.Should().Be(90);
    }

    private Task<KestrelTestHost> StartAsync(string prefix, string name) => KestrelTestHost.StartAsync(
        configureServices: builder =>
        {
            builder.Services.AddIterationStreaming().AddStackExchangeRedis(server.Configuration, o =>
            {
                o.KeyPrefix = prefix;
                o.InstanceName = $"{name}-{Guid.NewGuid().ToString("N")[..8]}";
            });
            OwnerBudgetRace.Configure(builder.Services);
        },
        configureStreaming: OwnerBudgetRace.ResolveOwnerFromHeader);
}
