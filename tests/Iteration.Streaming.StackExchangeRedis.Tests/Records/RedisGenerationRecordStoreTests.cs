using Iteration.Streaming.Events;
using Iteration.Streaming.Records;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Records;

[Collection(RedisCollection.Name)]
public sealed class RedisGenerationRecordStoreTests(RedisServerFixture server) : IAsyncLifetime
{
    private readonly List<RedisLogHarness> _instances = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var instance in _instances)
        {
            await instance.DisposeAsync();
        }
    }

    [Fact]
    public async Task AddAsync_ThenGetAsyncOnAnotherInstance_RoundTripsEveryField()
    {
        var prefix = RedisLogHarness.NewPrefix();
        var a = Start(prefix);
        var id = TestEvents.NewId();
        await a.Log.CreateAsync(id);
        var record = TestRecords.New(id, a.Options.InstanceName) with
        {
            ParentGenerationId = TestEvents.NewId(),
            Prompt = "Build \"it\" ✓\nwith a newline",
            ModificationPrompt = "Add a 日本語 field",
            Entities = ["User", "Order \"Line\"", "Ünïcode"],
            FileCount = 12,
            TotalBytes = 3456,
        };

        await a.Records.AddAsync(record);
        var read = await Start(prefix).Records.GetAsync(id);

        read.Should().BeEquivalentTo(record);
    }

    [Fact]
    public async Task AddAsync_AForkAndARevert_StoreTheirFieldsAsTheHashShows()
    {
        var prefix = RedisLogHarness.NewPrefix();
        var a = Start(prefix);
        var id = TestEvents.NewId();
        await a.Log.CreateAsync(id);
        var record = TestRecords.New(id, a.Options.InstanceName) with
        {
            ForkedFrom = "source-1",
            FromPhase = 2,
            Revert = new GenerationRevert { To = "phase:1", Paths = ["a.txt", "src/b.ts"] },
        };

        await a.Records.AddAsync(record);

        var hash = (await server.Database.HashGetAllAsync(a.Log.Keys.Record(id))).ToDictionary(e => (string)e.Name!, e => (string?)e.Value);
        hash["forked_from"].Should().Be("source-1");
        hash["from_phase"].Should().Be("2");
        hash["revert"].Should().Be("""{"to":"phase:1","paths":["a.txt","src/b.ts"]}""");
        (await Start(prefix).Records.GetAsync(id)).Should().BeEquivalentTo(record);
    }

    [Theory]
    [InlineData("from_phase", "two")]
    [InlineData("from_phase", "-1")]
    [InlineData("revert", "{not json")]
    public async Task GetAsync_AnUnreadableForkOrRevertField_ThrowsInvalidDataNamingTheGeneration(string field, string value)
    {
        var a = Start();
        var id = TestEvents.NewId();
        await a.Log.CreateAsync(id);
        await a.Records.AddAsync(TestRecords.New(id, a.Options.InstanceName));
        await server.Database.HashSetAsync(a.Log.Keys.Record(id), field, value);

        var act = async () => await a.Records.GetAsync(id);

        await act.Should().ThrowAsync<InvalidDataException>().WithMessage($"*{id}*");
    }

    [Fact]
    public async Task AddAsync_WithAnOwner_ClaimsTheLeaseAndIndexesIt()
    {
        var a = Start();
        var id = TestEvents.NewId();
        await a.Log.CreateAsync(id);

        await a.Records.AddAsync(TestRecords.New(id, a.Options.InstanceName));

        ((string?)await server.Database.StringGetAsync(a.Log.Keys.Lease(id))).Should().Be(a.Options.InstanceName);
        (await server.Database.KeyTimeToLiveAsync(a.Log.Keys.Lease(id))).Should().BeCloseTo(a.Options.LeaseDuration, TimeSpan.FromSeconds(5));
        (await server.Database.SortedSetScoreAsync(a.Log.Keys.Leases, id)).Should().NotBeNull();
    }

    [Fact]
    public async Task AddAsync_WithoutAnOwner_ClaimsNoLease()
    {
        var a = Start();
        var id = TestEvents.NewId();
        await a.Log.CreateAsync(id);

        await a.Records.AddAsync(TestRecords.New(id));

        (await server.Database.KeyExistsAsync(a.Log.Keys.Lease(id))).Should().BeFalse();
        (await a.Records.GetAsync(id))!.Owner.Should().BeNull();
    }

    [Fact]
    public async Task AddAsync_IndexesTheRecord_AndTheTerminalEventMovesItToTheEndedIndex()
    {
        var a = Start();
        var id = await TestRecords.CreateOwnedAsync(a);
        var live = await server.Database.SortedSetScoreAsync(a.Log.Keys.LiveRecords, id);

        await a.Log.AppendAsync(TestEvents.Completed(id));

        live.Should().Be(TestEvents.Epoch.ToUnixTimeMilliseconds());
        (await server.Database.SortedSetScoreAsync(a.Log.Keys.LiveRecords, id)).Should().BeNull();
        (await server.Database.SortedSetScoreAsync(a.Log.Keys.EndedRecords, id)).Should().NotBeNull();
        (await a.Records.ListEndedAsync()).Select(r => r.GenerationId).Should().Contain(id);
    }

    [Fact]
    public async Task ListAsync_SkipsIndexEntriesWhoseRecordIsGone()
    {
        var a = Start();
        var id = await TestRecords.CreateOwnedAsync(a);
        await server.Database.KeyDeleteAsync(a.Log.Keys.Record(id));

        (await a.Records.ListUnfinishedAsync()).Should().NotContain(r => r.GenerationId == id);
    }

    [Fact]
    public async Task AddAsync_Twice_IsRefused()
    {
        var a = Start();
        var id = TestEvents.NewId();
        await a.Log.CreateAsync(id);
        await a.Records.AddAsync(TestRecords.New(id));

        var act = () => a.Records.AddAsync(TestRecords.New(id)).AsTask();

        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage("*exists already*");
    }

    [Fact]
    public async Task AddAsync_IdsUnfitForRedis_AreRefused()
    {
        var store = Start().Records;

        foreach (var id in UnfitIds)
        {
            await FluentActions.Awaiting(() => store.AddAsync(TestRecords.New(id)).AsTask()).Should().ThrowAsync<ArgumentException>();
        }
    }

    [Fact]
    public async Task AddAsync_Null_Throws() =>
        await FluentActions.Awaiting(() => Start().Records.AddAsync(null!).AsTask()).Should().ThrowAsync<ArgumentNullException>();

    [Fact]
    public async Task GetAsync_UnknownOrUnfitIds_ReturnNull()
    {
        var store = Start().Records;

        foreach (var id in UnfitIds.Append(TestEvents.NewId()))
        {
            (await store.GetAsync(id)).Should().BeNull();
        }
    }

    [Fact]
    public async Task GetAsync_LogWithoutRecord_ReturnsNull()
    {
        var a = Start();
        var id = TestEvents.NewId();
        await a.Log.CreateAsync(id);
        await a.Log.AppendAsync(TestEvents.Progress(id, 0));

        (await a.Records.GetAsync(id)).Should().BeNull();
    }

    [Fact]
    public async Task Status_FollowsTheLog_AndTheTerminalEventSetsTheFinalOne()
    {
        var a = Start();
        var id = await TestRecords.CreateOwnedAsync(a);

        await a.Log.AppendAsync(TestEvents.Progress(id, 0));
        var running = await a.Records.GetAsync(id);
        await a.Log.AppendAsync(TestEvents.Failed(id));
        await a.Records.UpdateAsync(id, new GenerationRecordUpdate { Status = GenerationStatus.Completed });
        var ended = await a.Records.GetAsync(id);

        running!.Status.Should().Be(GenerationStatus.Processing);
        running.EndedAt.Should().BeNull();
        ended!.Status.Should().Be(GenerationStatus.Failed, "an ended record keeps the status of its terminal event");
        ended.EndedAt.Should().NotBeNull();
    }

    [Fact]
    public async Task UpdateAsync_StatusBeforeTheEnd_SetsIt()
    {
        var a = Start();
        var id = await TestRecords.CreateOwnedAsync(a);

        await a.Records.UpdateAsync(id, new GenerationRecordUpdate { Status = GenerationStatus.Processing });

        (await a.Records.GetAsync(id))!.Status.Should().Be(GenerationStatus.Processing);
    }

    [Fact]
    public async Task UpdateAsync_Files_RecordsTheCounts()
    {
        var a = Start();
        var id = await TestRecords.CreateOwnedAsync(a);

        await a.Records.UpdateAsync(id, new GenerationRecordUpdate { FileCount = 7, TotalBytes = 8_192 });

        (await a.Records.GetAsync(id)).Should().BeEquivalentTo(new { FileCount = 7, TotalBytes = 8_192L });
    }

    [Fact]
    public async Task Updates_OfUnknownOrUnfitGenerations_AreIgnored()
    {
        var a = Start();

        (await a.Records.UpdateAsync(TestEvents.NewId(), new GenerationRecordUpdate { Status = GenerationStatus.Processing })).Should().BeNull();
        (await a.Records.UpdateAsync("{x}", new GenerationRecordUpdate { FileCount = 1 })).Should().BeNull();

        (await server.Database.KeyExistsAsync(a.Log.Keys.Record("{x}"))).Should().BeFalse();
    }

    [Fact]
    public async Task UpdateAsync_OfAnOwnedRunWhileRedisIsUnreachable_DoesNotFailTheRun()
    {
        var a = Start();
        var id = await TestRecords.CreateOwnedAsync(a);
        a.Connection.Sever();

        var updated = await a.Records.UpdateAsync(id, new GenerationRecordUpdate { Status = GenerationStatus.Processing, FileCount = 1, TotalBytes = 10 });

        updated.Should().BeEquivalentTo(new { Status = GenerationStatus.Processing, FileCount = 1, TotalBytes = 10L }, "the run's events wait for Redis, and this instance's copy keeps the record");
    }

    [Fact]
    public async Task TryUpdateSteeringAsync_WhileRedisIsUnreachable_FailsInsteadOfAnsweringFromTheCopy()
    {
        var a = Start();
        var id = await TestRecords.CreateOwnedAsync(a);
        a.Connection.Sever();

        var act = () => a.Records.TryUpdateSteeringAsync(id, 0, new GenerationRecordUpdate { Steering = new RunSteering { Revision = 1 } }).AsTask();

        await act.Should().ThrowAsync<Exception>().Where(e => Connections.RedisFailures.IsTransient(e), "a compare needs the shared record: the input is not accepted");
    }

    [Fact]
    public async Task TryUpdateSteeringAsync_OfUnfitIds_ReturnsNullAndWritesNothing()
    {
        var a = Start();

        foreach (var id in UnfitIds)
        {
            (await a.Records.TryUpdateSteeringAsync(id, 0, new GenerationRecordUpdate { Steering = new RunSteering { Revision = 1 } })).Should().BeNull();
        }

        (await server.Database.KeyExistsAsync(a.Log.Keys.Record("{brace}"))).Should().BeFalse();
    }

    [Fact]
    public async Task TryUpdateSteeringAsync_StoresTheRevisionBesideTheSteering_AsText()
    {
        var a = Start();
        var id = await TestRecords.CreateOwnedAsync(a);

        await a.Records.TryUpdateSteeringAsync(id, 0, new GenerationRecordUpdate { Steering = new RunSteering { Revision = long.MaxValue } });

        ((string?)await server.Database.HashGetAsync(a.Log.Keys.Record(id), "srev")).Should().Be("9223372036854775807", "compared as text, exact past 2^53");
        (await a.Records.TryUpdateSteeringAsync(id, long.MaxValue - 1, new GenerationRecordUpdate { Steering = new RunSteering() })).Should().BeNull();
        (await a.Records.TryUpdateSteeringAsync(id, long.MaxValue, new GenerationRecordUpdate { Steering = new RunSteering { Revision = 1 } })).Should().NotBeNull();
    }

    /// <summary>Ids no key may be built from: empty, a brace (another hash tag), control characters, a lone surrogate, oversized.</summary>
    private static readonly string[] UnfitIds = [string.Empty, "{brace}", "x}", "line\nbreak", "a\u0000b", "\ud800", "a\udfffb", new string('a', 10_000)];

    private RedisLogHarness Start(string? prefix = null)
    {
        var instance = RedisLogHarness.Start(server, prefix);
        _instances.Add(instance);
        return instance;
    }
}
