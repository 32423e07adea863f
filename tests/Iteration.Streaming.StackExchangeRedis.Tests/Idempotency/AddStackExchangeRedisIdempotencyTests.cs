using Iteration.Streaming.Idempotency;
using Iteration.Streaming.StackExchangeRedis.Idempotency;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Idempotency;

[Collection(RedisCollection.Name)]
public sealed class AddStackExchangeRedisIdempotencyTests(RedisServerFixture server)
{
    [Fact]
    public async Task AddStackExchangeRedis_TwoInstancesShareTheirKeys()
    {
        var prefix = RedisLogHarness.NewPrefix();
        await using var first = Provider(prefix);
        await using var second = Provider(prefix);
        var entry = new IdempotencyEntry { Key = "http:" + TestEvents.NewId(), Fingerprint = "f", ExpiresAt = DateTimeOffset.UtcNow.AddHours(1) };

        var claimedByFirst = await first.GetRequiredService<IIdempotencyStore>().TryAddAsync(entry);
        var seenBySecond = await second.GetRequiredService<IIdempotencyStore>().TryAddAsync(entry with { Fingerprint = "other" });

        first.GetRequiredService<IIdempotencyStore>().Should().BeOfType<RedisIdempotencyStore>();
        claimedByFirst.Should().BeNull();
        seenBySecond!.Fingerprint.Should().Be("f");
    }

    private ServiceProvider Provider(string prefix)
    {
        var services = new ServiceCollection();
        services.AddIterationStreaming().AddStackExchangeRedis(server.Configuration, o => o.KeyPrefix = prefix);
        return services.BuildServiceProvider();
    }
}
