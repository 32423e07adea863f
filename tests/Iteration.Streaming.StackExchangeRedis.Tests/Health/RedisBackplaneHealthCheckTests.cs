using Iteration.Streaming.StackExchangeRedis.Health;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Health;

[Collection(RedisCollection.Name)]
public sealed class RedisBackplaneHealthCheckTests(RedisServerFixture server)
{
    [Fact]
    public async Task CheckHealthAsync_RedisAnswers_IsHealthyWithLatency()
    {
        await using var instance = RedisLogHarness.Start(server);
        var check = new RedisBackplaneHealthCheck(instance.Connection, instance.Tail);

        var result = await check.CheckHealthAsync(new HealthCheckContext());

        result.Status.Should().Be(HealthStatus.Healthy);
        result.Data.Should().ContainKey("latency_ms").And.ContainKey("watched_generations");
        result.Data["instance"].Should().Be(instance.Options.InstanceName);
    }

    [Fact]
    public async Task CheckHealthAsync_RedisUnreachable_ReportsTheRegistrationsFailureStatus()
    {
        await using var instance = RedisLogHarness.Start(server, configure: o => o.Configuration = "127.0.0.1:1,connectTimeout=200,connectRetry=0");
        var check = new RedisBackplaneHealthCheck(instance.Connection, instance.Tail);
        var context = new HealthCheckContext
        {
            Registration = new HealthCheckRegistration("redis", check, HealthStatus.Degraded, tags: null),
        };

        var result = await check.CheckHealthAsync(context).WithPatience();

        result.Status.Should().Be(HealthStatus.Degraded);
        result.Description.Should().Contain("Redis");
    }

    [Fact]
    public async Task CheckHealthAsync_TailReaderFailing_IsDegradedWithTheError()
    {
        // A user that may do everything but XREAD: appends and replays work, the live tail cannot.
        var user = "noxread" + Guid.NewGuid().ToString("N")[..8];
        await server.Server.ExecuteAsync("ACL", "SETUSER", user, "on", ">pw", "~*", "&*", "+@all", "-xread");
        try
        {
            await using var instance = RedisLogHarness.Start(server, configure: o => o.Configuration = $"{server.Configuration},user={user},password=pw");
            var id = TestEvents.NewId();
            await instance.Log.CreateAsync(id);
            await using var watcher = await instance.Log.SubscribeAsync(id);
            await Eventually.TrueAsync(() => instance.Tail.Status.Failing);
            var check = new RedisBackplaneHealthCheck(instance.Connection, instance.Tail);

            var result = await check.CheckHealthAsync(new HealthCheckContext());

            result.Status.Should().Be(HealthStatus.Degraded);
            result.Exception.Should().BeAssignableTo<StackExchange.Redis.RedisException>();
            result.Data.Should().ContainKey("tail_last_error_at");
        }
        finally
        {
            await server.Server.ExecuteAsync("ACL", "DELUSER", user);
        }
    }

    [Fact]
    public async Task CheckHealthAsync_NullContext_Throws()
    {
        await using var instance = RedisLogHarness.Start(server);
        var check = new RedisBackplaneHealthCheck(instance.Connection, instance.Tail);

        await FluentActions.Awaiting(() => check.CheckHealthAsync(null!)).Should().ThrowAsync<ArgumentNullException>();
    }
}
