using Iteration.Streaming.Idempotency;
using Iteration.Streaming.Sqlite.Idempotency;
using Iteration.Streaming.Sqlite.Tests.Fixtures;

namespace Iteration.Streaming.Sqlite.Tests.Idempotency;

public sealed class SqliteIdempotencyStoreTests : IDisposable
{
    private readonly StoreHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task TryAddAsync_AfterKeysExpired_DeletesTheirRows()
    {
        var store = new SqliteIdempotencyStore(_harness.Store, _harness.Clock);
        for (var i = 0; i < 20; i++)
        {
            await store.TryAddAsync(new IdempotencyEntry { Key = "old-" + i, Fingerprint = "f", ExpiresAt = _harness.Clock.GetUtcNow().AddHours(24) });
        }

        _harness.Clock.Advance(TimeSpan.FromHours(24));
        await store.TryAddAsync(new IdempotencyEntry { Key = "new", Fingerprint = "f", ExpiresAt = _harness.Clock.GetUtcNow().AddHours(24) });

        _harness.Scalar("SELECT count(*) FROM idempotency_keys;").Should().Be(1);
    }

    [Fact]
    public async Task TryAddAsync_OnAFileMadeBeforeTheTableExisted_CreatesItAndClaims()
    {
        using (var connection = _harness.OpenRaw())
        {
            using var drop = connection.CreateCommand();
            drop.CommandText = "DROP TABLE idempotency_keys;";
            drop.ExecuteNonQuery();
        }

        _harness.Reopen();
        var store = new SqliteIdempotencyStore(_harness.Store, _harness.Clock);

        var held = await store.TryAddAsync(new IdempotencyEntry { Key = "k", Fingerprint = "f", ExpiresAt = _harness.Clock.GetUtcNow().AddHours(1) });

        held.Should().BeNull();
        (await store.GetAsync("k"))!.Fingerprint.Should().Be("f");
    }
}
