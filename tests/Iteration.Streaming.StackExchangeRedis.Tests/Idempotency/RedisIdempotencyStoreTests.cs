using Iteration.Streaming.Idempotency;
using Iteration.Streaming.StackExchangeRedis.Idempotency;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Idempotency;

[Collection(RedisCollection.Name)]
public sealed class RedisIdempotencyStoreTests(RedisServerFixture server)
{
    [Fact]
    public async Task TryAddAsync_ConcurrentClaimsFromTwoInstances_ExactlyOneWins()
    {
        var clock = new FakeTimeProvider(TestEvents.Epoch);
        var prefix = "idem-" + Guid.NewGuid().ToString("N");
        await using var first = RedisLogHarness.Start(server, prefix, timeProvider: clock);
        await using var second = RedisLogHarness.Start(server, prefix, timeProvider: clock);
        var stores = new[] { new RedisIdempotencyStore(first.Connection, clock), new RedisIdempotencyStore(second.Connection, clock) };
        var key = "start:" + TestEvents.NewId();

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
            await stores[i % 2].TryAddAsync(new IdempotencyEntry { Key = key, Fingerprint = "claim-" + i, ExpiresAt = clock.GetUtcNow().AddHours(1) }))));

        answers.Count(a => a is null).Should().Be(1);
        (await stores[1].GetAsync(key)).Should().BeEquivalentTo(await stores[0].GetAsync(key));
    }

    [Fact]
    public async Task TryAddAsync_SetsRedisExpiryToTheEntrysLifetime()
    {
        var clock = new FakeTimeProvider(TestEvents.Epoch);
        await using var instance = RedisLogHarness.Start(server, timeProvider: clock);
        var store = new RedisIdempotencyStore(instance.Connection, clock);

        await store.TryAddAsync(new IdempotencyEntry { Key = "k", Fingerprint = "f", ExpiresAt = clock.GetUtcNow().AddHours(24) });

        var keys = server.Server.Keys(pattern: instance.Options.KeyPrefix + ":idempotency:*").ToList();
        keys.Should().ContainSingle();
        var ttl = await server.Database.KeyTimeToLiveAsync(keys[0]);
        ttl!.Value.Should().BeCloseTo(TimeSpan.FromHours(24), TimeSpan.FromMinutes(1));
    }
}
