using Iteration.Streaming.Events;
using Iteration.Streaming.Records;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Records;

/// <summary>The owner index in Redis: one sorted set per user, kept in step by the record scripts.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisOwnerIndexTests(RedisServerFixture server) : IAsyncLifetime
{
    private RedisLogHarness _instance = null!;

    public Task InitializeAsync()
    {
        _instance = RedisLogHarness.Start(server);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _instance.DisposeAsync();

    private string Index(string userId) => _instance.Scripts.Keys.UserRecords(userId).ToString();

    [Fact]
    public async Task AddAsync_WithUser_IndexesTheRecordByTimeAndId()
    {
        var record = TestRecords.New("gen-1") with { UserId = "alice", CreatedAt = TestEvents.Epoch.AddTicks(5_000) };

        await _instance.Records.AddAsync(record);

        var members = await server.Database.SortedSetRangeByRankWithScoresAsync(Index("alice"));
        members.Should().ContainSingle();
        members[0].Score.Should().Be(0);
        ((string)members[0].Element!).Should().Be((TestEvents.Epoch.UtcTicks / TimeSpan.TicksPerMillisecond).ToString("D15", System.Globalization.CultureInfo.InvariantCulture) + ":gen-1");
    }

    [Fact]
    public async Task AddAsync_WithoutUser_IndexesNothing()
    {
        await _instance.Records.AddAsync(TestRecords.New("gen-1"));

        server.Server.Keys(pattern: _instance.Options.KeyPrefix + ":user:*").Should().BeEmpty();
    }

    [Fact]
    public async Task DeleteAsync_RemovesTheIndexEntry()
    {
        await _instance.Records.AddAsync(TestRecords.New("gen-1") with { UserId = "alice" });
        await _instance.Records.AddAsync(TestRecords.New("gen-2") with { UserId = "alice", Status = GenerationStatus.Completed });

        await _instance.Records.DeleteAsync("gen-1");
        await _instance.Records.DeleteAsync("gen-2");

        (await server.Database.KeyExistsAsync(Index("alice"))).Should().BeFalse("an empty sorted set is no key");
    }

    [Fact]
    public async Task RestoreAsync_RecordLostWithRedis_IsIndexedAgain()
    {
        var record = TestRecords.New("gen-1", _instance.Options.InstanceName) with { UserId = "alice" };
        await _instance.Log.CreateAsync(record.GenerationId);
        await _instance.Records.AddAsync(record);
        foreach (var key in server.Server.Keys(pattern: _instance.Options.KeyPrefix + ":*"))
        {
            await server.Database.KeyDeleteAsync(key);
        }

        (await _instance.Scripts.RestoreAsync(record.GenerationId, null, record, TestEvents.Epoch, CancellationToken.None)).Should().BeTrue();

        var page = await _instance.Records.ListByUserAsync(new GenerationRecordQuery { UserId = "alice" });
        page.Records.Select(r => r.GenerationId).Should().Equal("gen-1");
    }

    [Fact]
    public async Task ListByUserAsync_StaleIndexEntry_IsSkippedAndThePageStillFills()
    {
        for (var i = 0; i < 5; i++)
        {
            await _instance.Records.AddAsync(TestRecords.New($"gen-{i}") with { UserId = "alice", CreatedAt = TestEvents.Epoch.AddSeconds(i) });
        }

        await server.Database.KeyDeleteAsync(_instance.Scripts.Keys.Record("gen-4"));
        await server.Database.KeyDeleteAsync(_instance.Scripts.Keys.Record("gen-3"));

        var page = await _instance.Records.ListByUserAsync(new GenerationRecordQuery { UserId = "alice", Limit = 2 });

        page.Records.Select(r => r.GenerationId).Should().Equal("gen-2", "gen-1");
        page.Next.Should().NotBeNull();
    }

    [Fact]
    public async Task ListByUserAsync_RareStatusFarDown_IsFoundAcrossChunks()
    {
        for (var i = 0; i < 300; i++)
        {
            await _instance.Records.AddAsync(TestRecords.New($"gen-{i:D3}") with { UserId = "alice", CreatedAt = TestEvents.Epoch.AddSeconds(i) });
        }

        await _instance.Records.UpdateAsync("gen-002", new GenerationRecordUpdate { Status = GenerationStatus.Cancelled });
        await _instance.Records.UpdateAsync("gen-001", new GenerationRecordUpdate { Status = GenerationStatus.Cancelled });

        var page = await _instance.Records.ListByUserAsync(new GenerationRecordQuery { UserId = "alice", Status = GenerationStatus.Cancelled, Limit = 1 });
        var next = await _instance.Records.ListByUserAsync(new GenerationRecordQuery { UserId = "alice", Status = GenerationStatus.Cancelled, Limit = 1, After = page.Next });

        page.Records.Select(r => r.GenerationId).Should().Equal("gen-002");
        next.Records.Select(r => r.GenerationId).Should().Equal("gen-001");
        next.Next.Should().BeNull();
    }
}
