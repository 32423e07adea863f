using Iteration.Streaming.Engine;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.StackExchangeRedis.Hosting;
using Iteration.Streaming.StackExchangeRedis.Ownership;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Ownership;

/// <summary>
/// Leases, takeover and cancel at the Redis level. The keepers are ticked by hand, and their clock (which only decides
/// when an instance may take over) is fake; the lease's own expiry is Redis's.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RedisLeaseKeeperTests(RedisServerFixture server) : IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private readonly string _prefix = RedisLogHarness.NewPrefix();
    private readonly FakeTimeProvider _clock = new();
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
    public async Task LapsedLease_ManyInstancesTakingOverAtOnce_AppendExactlyOneFailedEvent()
    {
        var ghost = Start();
        var id = await TestRecords.CreateOwnedAsync(ghost);
        await ghost.Log.AppendAsync(TestEvents.Progress(id, 1) with { Progress = 0.42, GenerationMode = GenerationModes.Enhanced, AbGroup = "b" });
        await LapseAsync(ghost, id);
        var keepers = Enumerable.Range(0, 4).Select(_ => Start()).ToArray();
        await ConnectedForALeaseAsync(keepers);

        for (var round = 0; round < 3; round++)
        {
            await Task.WhenAll(keepers.Select(k => k.Keeper.TickNowAsync()));
        }

        var events = await EventsAsync(ghost, id);
        events.Should().HaveCount(2);
        var failed = events[1].Event;
        events[1].Sequence.Should().Be(2);
        failed.Status.Should().Be(GenerationStatus.Failed);
        failed.Stage.Should().Be(GenerationStages.Error);
        failed.Message.Should().Be(RedisLeaseKeeper.OwnerLostMessage);
        failed.Error.Should().Be(RedisLeaseKeeper.OwnerLostError(ghost.Options.LeaseDuration));
        failed.Progress.Should().Be(0.42);
        failed.GenerationMode.Should().Be(GenerationModes.Enhanced);
        failed.AbGroup.Should().Be("b");
        (await ghost.Records.GetAsync(id))!.Status.Should().Be(GenerationStatus.Failed);
        (await server.Database.SortedSetScoreAsync(ghost.Log.Keys.Leases, id)).Should().BeNull("an ended generation leaves the lease index");
    }

    [Fact]
    public async Task LapsedLease_AfterARealTerminalEvent_AppendsNothing()
    {
        var ghost = Start();
        var id = await TestRecords.CreateOwnedAsync(ghost);
        await ghost.Log.AppendAsync(TestEvents.Completed(id));
        await server.Database.SortedSetAddAsync(ghost.Log.Keys.Leases, id, 0);
        var keeper = Start();
        await ConnectedForALeaseAsync(keeper);

        await keeper.Keeper.TickNowAsync();

        (await EventsAsync(ghost, id)).Should().ContainSingle().Which.Event.Status.Should().Be(GenerationStatus.Completed);
        (await server.Database.SortedSetScoreAsync(ghost.Log.Keys.Leases, id)).Should().BeNull();
    }

    [Fact]
    public async Task HeldLease_PastItsIndexScore_IsNotTakenOver()
    {
        var owner = Start();
        var id = await TestRecords.CreateOwnedAsync(owner);
        await server.Database.SortedSetAddAsync(owner.Log.Keys.Leases, id, 0);
        var keeper = Start();
        await ConnectedForALeaseAsync(keeper);

        await keeper.Keeper.TickNowAsync();

        (await EventsAsync(owner, id)).Should().BeEmpty("the lease key, not the index, says whether the owner lives");
        (await server.Database.SortedSetScoreAsync(owner.Log.Keys.Leases, id)).Should().NotBeNull();
    }

    [Fact]
    public async Task NewInstance_TakesOverOnlyAfterBeingConnectedForALease()
    {
        var ghost = Start();
        var id = await TestRecords.CreateOwnedAsync(ghost);
        await LapseAsync(ghost, id);
        var keeper = Start();

        await keeper.Keeper.TickNowAsync();
        var early = await EventsAsync(ghost, id);
        _clock.Advance(keeper.Options.LeaseDuration);
        await keeper.Keeper.TickNowAsync();

        early.Should().BeEmpty("owners get a whole lease to renew after Redis comes back");
        (await EventsAsync(ghost, id)).Should().ContainSingle().Which.Event.Status.Should().Be(GenerationStatus.Failed);
    }

    [Fact]
    public async Task Renewal_ExtendsTheLease_AndTheTerminalEventReleasesIt()
    {
        var owner = Start();
        var id = await TestRecords.CreateOwnedAsync(owner);
        using var hold = owner.Keeper.Hold(id, _ => { });
        await server.Database.KeyExpireAsync(owner.Log.Keys.Lease(id), TimeSpan.FromSeconds(1));

        await owner.Keeper.TickNowAsync();
        var renewedTtl = await server.Database.KeyTimeToLiveAsync(owner.Log.Keys.Lease(id));
        await owner.Log.AppendAsync(TestEvents.Completed(id));
        var afterTerminal = await server.Database.KeyExistsAsync(owner.Log.Keys.Lease(id));
        hold.Dispose();
        await owner.Keeper.TickNowAsync();

        renewedTtl.Should().BeGreaterThan(TimeSpan.FromSeconds(20));
        ((string?)await server.Database.StringGetAsync(owner.Log.Keys.Lease(id))).Should().BeNull();
        afterTerminal.Should().BeFalse("the terminal event deletes the lease in the same step");
        owner.Keeper.OwnedCount.Should().Be(0);
    }

    [Fact]
    public async Task Renewal_AfterAnotherInstanceEndedTheRun_StopsItAsLost()
    {
        var owner = Start();
        var id = await TestRecords.CreateOwnedAsync(owner);
        var reasons = new List<CancelReason>();
        using var hold = owner.Keeper.Hold(id, reasons.Add);
        await Start().Log.AppendAsync(TestEvents.Failed(id, "ended elsewhere"));

        await owner.Keeper.TickNowAsync();
        await owner.Keeper.TickNowAsync();

        reasons.Should().Equal(CancelReason.OwnershipLost);
        owner.Keeper.OwnedCount.Should().Be(0);
    }

    [Fact]
    public async Task Renewal_WhenAnotherInstanceHoldsTheLease_StopsItAsLost()
    {
        var owner = Start();
        var id = await TestRecords.CreateOwnedAsync(owner);
        var reasons = new List<CancelReason>();
        using var hold = owner.Keeper.Hold(id, reasons.Add);
        await server.Database.StringSetAsync(owner.Log.Keys.Lease(id), "someone-else", Lease);

        await owner.Keeper.TickNowAsync();

        reasons.Should().Equal(CancelReason.OwnershipLost);
    }

    [Fact]
    public async Task CancelRequestedOnAnotherInstance_ReachesTheOwnerAtOnce()
    {
        var owner = Start();
        var id = await TestRecords.CreateOwnedAsync(owner);
        var stopped = new TaskCompletionSource<CancelReason>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var hold = owner.Keeper.Hold(id, r => stopped.TrySetResult(r));
        await owner.Keeper.TickNowAsync();

        var requested = await Start().Keeper.RequestCancelAsync(id);

        requested.Should().BeTrue();
        (await stopped.Task.WithPatience()).Should().Be(CancelReason.User);
    }

    [Fact]
    public async Task CancelRequest_WhoseMessageWasLost_IsPickedUpAtTheNextRenewal()
    {
        var owner = Start();
        var id = await TestRecords.CreateOwnedAsync(owner);
        var reasons = new List<CancelReason>();
        using var hold = owner.Keeper.Hold(id, reasons.Add);
        await server.Database.HashSetAsync(owner.Log.Keys.Meta(id), "cancel", 1);

        await owner.Keeper.TickNowAsync();
        await owner.Keeper.TickNowAsync();

        reasons.Should().Equal([CancelReason.User], "the mark in Redis is the request; the message only makes it fast");
    }

    [Fact]
    public async Task RequestCancel_EndedUnknownOrUnfitIds_ReturnsFalse()
    {
        var owner = Start();
        var ended = await TestRecords.CreateOwnedAsync(owner);
        await owner.Log.AppendAsync(TestEvents.Completed(ended));
        var keeper = Start().Keeper;

        (await keeper.RequestCancelAsync(ended)).Should().BeFalse();
        (await keeper.RequestCancelAsync(TestEvents.NewId())).Should().BeFalse();
        foreach (var hostile in new[] { string.Empty, "{x}", "a\nb", new string('a', 201), "\ud800" })
        {
            (await keeper.RequestCancelAsync(hostile)).Should().BeFalse();
        }

        await FluentActions.Awaiting(() => keeper.RequestCancelAsync(null!).AsTask()).Should().ThrowAsync<ArgumentNullException>();
    }

    [Fact]
    public async Task Renewal_WhenRedisLostTheGeneration_RestoresItAndTheSequenceGoesOn()
    {
        var owner = Start();
        var id = await TestRecords.CreateOwnedAsync(owner);
        using var hold = owner.Keeper.Hold(id, _ => { });
        for (var i = 0; i < 3; i++)
        {
            await owner.Log.AppendAsync(TestEvents.Progress(id, i));
        }

        await server.Database.KeyDeleteAsync([owner.Log.Keys.Meta(id), owner.Log.Keys.Events(id), owner.Log.Keys.Lease(id)]);
        await owner.Keeper.TickNowAsync();
        var next = await owner.Log.AppendAsync(TestEvents.Completed(id));
        await using var reader = await Start().Log.SubscribeAsync(id);
        var read = await reader.ReadAllAsync().ToListAsync().WithPatience();

        next.Sequence.Should().Be(4);
        read.Select(e => e.Sequence).Should().Equal(3, 4);
        read[0].Event.Replay.Should().Be(StreamingProgressEvent.SnapshotReplay);
        (await owner.Records.GetAsync(id))!.Should().BeEquivalentTo(
            TestRecords.New(id, owner.Options.InstanceName) with { Status = GenerationStatus.Completed },
            o => o.Excluding(r => r.EndedAt));
    }

    [Fact]
    public async Task WatchedGeneration_LostFromRedisAndNeverRestored_EndsItsLocalStreamsAfterALease()
    {
        var ghost = Start();
        var id = await TestRecords.CreateOwnedAsync(ghost);
        await ghost.Log.AppendAsync(TestEvents.Progress(id, 0));
        var watcher = Start();
        await using var subscription = await watcher.Log.SubscribeAsync(id);
        (await subscription.ReadAllAsync().Take(1).ToListAsync().WithPatience()).Should().ContainSingle();
        await server.Database.KeyDeleteAsync([ghost.Log.Keys.Meta(id), ghost.Log.Keys.Events(id), ghost.Log.Keys.Lease(id)]);

        await watcher.Keeper.TickNowAsync();
        var waiting = subscription.WaitToReadAsync().AsTask();
        await watcher.Keeper.TickNowAsync();
        var stillWaiting = !waiting.IsCompleted;
        _clock.Advance(Lease);
        await watcher.Keeper.TickNowAsync();

        stillWaiting.Should().BeTrue("its owner gets a lease to restore it");
        (await waiting.WithPatience()).Should().BeFalse("the stream ends instead of waiting forever");
    }

    [Fact]
    public void Hold_NullArguments_Throw()
    {
        var keeper = Start().Keeper;

        FluentActions.Invoking(() => keeper.Hold(null!, _ => { })).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => keeper.Hold("id", null!)).Should().Throw<ArgumentNullException>();
    }

    private RedisLogHarness Start(Action<IterationStreamingRedisOptions>? configure = null)
    {
        var instance = RedisLogHarness.Start(server, _prefix, o =>
        {
            o.LeaseDuration = Lease;
            o.LeaseRenewalInterval = TimeSpan.FromSeconds(10);
            configure?.Invoke(o);
        }, timeProvider: _clock);
        _instances.Add(instance);
        return instance;
    }

    /// <summary>The owner stopped renewing long ago: its lease is gone and its index entry is due.</summary>
    private async Task LapseAsync(RedisLogHarness owner, string id)
    {
        await server.Database.KeyDeleteAsync(owner.Log.Keys.Lease(id));
        await server.Database.SortedSetAddAsync(owner.Log.Keys.Leases, id, 0);
    }

    private async Task ConnectedForALeaseAsync(params RedisLogHarness[] keepers)
    {
        await Task.WhenAll(keepers.Select(k => k.Keeper.TickNowAsync()));
        _clock.Advance(Lease);
    }

    private async Task<List<EventLogEntry>> EventsAsync(RedisLogHarness instance, string id)
    {
        var entries = await server.Database.StreamRangeAsync(instance.Log.Keys.Events(id));
        return [.. entries.Select(e => EventLogEntry.FromFrame((byte[])e.Values[0].Value!))];
    }
}
