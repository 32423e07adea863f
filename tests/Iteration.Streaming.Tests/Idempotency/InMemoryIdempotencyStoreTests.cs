using Iteration.Streaming.Idempotency;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.Tests.Idempotency;

public sealed class InMemoryIdempotencyStoreTests
{
    [Fact]
    public async Task TryAddAsync_ManyExpiredEntries_AreSweptSoTheTableStaysBounded()
    {
        var clock = new FakeTimeProvider(TestEvents.Epoch);
        var store = new InMemoryIdempotencyStore(clock);
        for (var i = 0; i < 100; i++)
        {
            await store.TryAddAsync(new IdempotencyEntry { Key = "old-" + i, Fingerprint = "f", ExpiresAt = clock.GetUtcNow().AddMinutes(1) });
        }

        clock.Advance(TimeSpan.FromMinutes(1));
        for (var i = 0; i < 200; i++)
        {
            await store.TryAddAsync(new IdempotencyEntry { Key = "new-" + i, Fingerprint = "f", ExpiresAt = clock.GetUtcNow().AddMinutes(1) });
        }

        store.Count.Should().BeLessThanOrEqualTo(200);
        store.IsDurable.Should().BeFalse();
    }
}
