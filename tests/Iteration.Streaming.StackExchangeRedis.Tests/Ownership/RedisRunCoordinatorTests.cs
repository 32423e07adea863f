using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.ScaleOut;
using Iteration.Streaming.StackExchangeRedis.Hosting;
using Iteration.Streaming.StackExchangeRedis.Ownership;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Ownership;

/// <summary>
/// Leases, takeover, hand-over and cancel at the Redis level. The rounds are run by hand, and their clock (which only
/// decides when an instance may take a lapsed run) is fake; the lease's own expiry is Redis's.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RedisRunCoordinatorTests(RedisServerFixture server) : IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private readonly string _prefix = RedisLogHarness.NewPrefix();
    private readonly FakeTimeProvider _clock = new();
    private readonly List<RedisLogHarness> _instances = [];
    private readonly CancellationTokenSource _watching = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _watching.CancelAsync();
        foreach (var instance in _instances)
        {
            await instance.DisposeAsync();
        }

        _watching.Dispose();
    }

    [Fact]
    public async Task LapsedLease_ManyInstancesTakingOverAtOnce_ExactlyOneClaimsTheRun_AndAppendsNothing()
    {
        var ghost = Start();
        var id = await TestRecords.CreateOwnedAsync(ghost);
        await ghost.Log.AppendAsync(TestEvents.Progress(id, 1));
        await LapseAsync(ghost, id);
        var keepers = Enumerable.Range(0, 4).Select(_ => Start()).ToArray();
        var claims = keepers.Select(Watch).ToArray();
        await ConnectedForALeaseAsync(keepers);

        for (var round = 0; round < 3; round++)
        {
            await Task.WhenAll(keepers.Select(k => k.Coordinator.RoundNowAsync()));
        }

        await ClaimedAsync(claims);
        claims.Select(c => c.Count).Should().BeEquivalentTo([1, 0, 0, 0], "exactly one instance gets the run");
        claims.Single(c => c.Count == 1).Should().Equal(id);
        var winner = keepers[Array.FindIndex(claims, c => c.Count == 1)];
        ((string?)await server.Database.StringGetAsync(ghost.Log.Keys.Lease(id))).Should().Be(winner.Options.InstanceName);
        (await ghost.Records.GetAsync(id))!.Owner.Should().Be(winner.Options.InstanceName);
        (await EventsAsync(ghost, id)).Should().ContainSingle("the engine of the new owner resumes the run; the claim appends nothing");
    }

    [Fact]
    public async Task LapsedLease_AfterARealTerminalEvent_ClaimsNothing()
    {
        var ghost = Start();
        var id = await TestRecords.CreateOwnedAsync(ghost);
        await ghost.Log.AppendAsync(TestEvents.Completed(id));
        await server.Database.SortedSetAddAsync(ghost.Log.Keys.Leases, id, 0);
        var keeper = Start();
        var claims = Watch(keeper);
        await ConnectedForALeaseAsync(keeper);

        await keeper.Coordinator.RoundNowAsync();

        (await ghost.Records.GetAsync(id))!.Owner.Should().Be(ghost.Options.InstanceName);
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
        var claims = Watch(keeper);
        await ConnectedForALeaseAsync(keeper);

        await keeper.Coordinator.RoundNowAsync();

        ((string?)await server.Database.StringGetAsync(owner.Log.Keys.Lease(id))).Should().Be(owner.Options.InstanceName, "the lease key, not the index, says whether the owner lives");
        (await owner.Records.GetAsync(id))!.Owner.Should().Be(owner.Options.InstanceName);
    }

    [Fact]
    public async Task NewInstance_TakesALapsedRunOnlyAfterBeingConnectedForALease()
    {
        var ghost = Start();
        var id = await TestRecords.CreateOwnedAsync(ghost);
        await LapseAsync(ghost, id);
        var keeper = Start();
        var claims = Watch(keeper);

        await keeper.Coordinator.RoundNowAsync();
        var early = (await ghost.Records.GetAsync(id))!.Owner;
        _clock.Advance(keeper.Options.LeaseDuration);
        await keeper.Coordinator.RoundNowAsync();

        early.Should().Be(ghost.Options.InstanceName, "owners get a whole lease to renew after Redis comes back");
        await ClaimedAsync(claims);
        claims.Should().Equal(id);
    }

    [Fact]
    public async Task NobodyWatching_ClaimsNothing()
    {
        var ghost = Start();
        var id = await TestRecords.CreateOwnedAsync(ghost);
        await LapseAsync(ghost, id);
        var keeper = Start();
        await ConnectedForALeaseAsync(keeper);

        await keeper.Coordinator.RoundNowAsync();

        (await ghost.Records.GetAsync(id))!.Owner.Should().Be(ghost.Options.InstanceName, "an instance whose engine does not read claims takes nothing");
    }

    [Fact]
    public async Task HandOver_IsClaimedAtOnceByAWatchingInstance_EvenOneJustConnected()
    {
        var owner = Start();
        var id = await TestRecords.CreateOwnedAsync(owner);
        var hold = owner.Coordinator.Hold(id, _ => { });
        var taker = Start();
        var claimed = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = WatchAsync(taker, claimed);
        await taker.Coordinator.RoundNowAsync();

        await owner.Coordinator.HandOverAsync(id);
        hold.Dispose();

        (await claimed.Task.WithPatience()).Should().Be(id, "the hand-over is announced, and needs no lease to lapse");
        ((string?)await server.Database.StringGetAsync(owner.Log.Keys.Lease(id))).Should().Be(taker.Options.InstanceName);
        await owner.Coordinator.RoundNowAsync();
        ((string?)await server.Database.StringGetAsync(owner.Log.Keys.Lease(id))).Should().Be(taker.Options.InstanceName, "the former owner does not take it back");
        owner.Coordinator.OwnedCount.Should().Be(0);
    }

    [Fact]
    public async Task HandOver_WithNobodyListening_IsClaimedFromTheIndexByTheNextInstance()
    {
        var owner = Start();
        var id = await TestRecords.CreateOwnedAsync(owner);
        await owner.Coordinator.HandOverAsync(id);
        var later = Start();
        var claims = Watch(later);

        await later.Coordinator.RoundNowAsync();

        await ClaimedAsync(claims);
        claims.Should().Equal(id);
    }

    [Fact]
    public async Task HandOver_OfARunHeldElsewhere_DoesNothing()
    {
        var owner = Start();
        var id = await TestRecords.CreateOwnedAsync(owner);

        await Start().Coordinator.HandOverAsync(id);

        ((string?)await server.Database.StringGetAsync(owner.Log.Keys.Lease(id))).Should().Be(owner.Options.InstanceName);
        (await server.Database.HashExistsAsync(owner.Log.Keys.Meta(id), "handover")).Should().BeFalse();
    }

    [Fact]
    public async Task TryClaim_HeldElsewhere_EndedUnknownOrUnfit_ReturnsFalse()
    {
        var owner = Start();
        var held = await TestRecords.CreateOwnedAsync(owner);
        var ended = await TestRecords.CreateOwnedAsync(owner);
        await owner.Log.AppendAsync(TestEvents.Completed(ended));
        var coordinator = Start().Coordinator;

        (await coordinator.TryClaimAsync(held)).Should().BeFalse();
        (await coordinator.TryClaimAsync(ended)).Should().BeFalse();
        (await coordinator.TryClaimAsync(TestEvents.NewId())).Should().BeFalse();
        foreach (var hostile in new[] { string.Empty, "{x}", "a\nb", new string('a', 201), "\ud800" })
        {
            (await coordinator.TryClaimAsync(hostile)).Should().BeFalse();
        }

        await FluentActions.Awaiting(() => coordinator.TryClaimAsync(null!).AsTask()).Should().ThrowAsync<ArgumentNullException>();
    }

    [Fact]
    public async Task Renewal_ExtendsTheLease_AndTheTerminalEventReleasesIt()
    {
        var owner = Start();
        var id = await TestRecords.CreateOwnedAsync(owner);
        using var hold = owner.Coordinator.Hold(id, _ => { });
        await server.Database.KeyExpireAsync(owner.Log.Keys.Lease(id), TimeSpan.FromSeconds(1));

        await owner.Coordinator.RoundNowAsync();
        var renewedTtl = await server.Database.KeyTimeToLiveAsync(owner.Log.Keys.Lease(id));
        await owner.Log.AppendAsync(TestEvents.Completed(id));
        var afterTerminal = await server.Database.KeyExistsAsync(owner.Log.Keys.Lease(id));
        hold.Dispose();
        await owner.Coordinator.RoundNowAsync();

        renewedTtl.Should().BeGreaterThan(TimeSpan.FromSeconds(20));
        ((string?)await server.Database.StringGetAsync(owner.Log.Keys.Lease(id))).Should().BeNull();
        afterTerminal.Should().BeFalse("the terminal event deletes the lease in the same step");
        owner.Coordinator.OwnedCount.Should().Be(0);
    }

    [Fact]
    public async Task Renewal_AfterAnotherInstanceTookTheRunOverAndEndedIt_StopsItAsLost()
    {
        var owner = Start();
        var id = await TestRecords.CreateOwnedAsync(owner);
        var reasons = new List<RunSignal>();
        await server.Database.KeyDeleteAsync(owner.Log.Keys.Lease(id));
        var taker = Start();
        (await taker.Coordinator.TryClaimAsync(id)).Should().BeTrue();
        await taker.Log.AppendAsync(TestEvents.Failed(id, "ended elsewhere"));
        using var hold = owner.Coordinator.Hold(id, reasons.Add);

        await owner.Coordinator.RoundNowAsync();
        await owner.Coordinator.RoundNowAsync();

        reasons.Should().Equal(RunSignal.OwnershipLost);
        owner.Coordinator.OwnedCount.Should().Be(0);
    }

    [Fact]
    public async Task Renewal_WhenAnotherInstanceHoldsTheLease_StopsItAsLost()
    {
        var owner = Start();
        var id = await TestRecords.CreateOwnedAsync(owner);
        var reasons = new List<RunSignal>();
        using var hold = owner.Coordinator.Hold(id, reasons.Add);
        await server.Database.StringSetAsync(owner.Log.Keys.Lease(id), "someone-else", Lease);

        await owner.Coordinator.RoundNowAsync();

        reasons.Should().Equal(RunSignal.OwnershipLost);
    }

    [Fact]
    public async Task CancelRequestedOnAnotherInstance_ReachesTheOwnerAtOnce()
    {
        var owner = Start();
        var id = await TestRecords.CreateOwnedAsync(owner);
        var stopped = new TaskCompletionSource<RunSignal>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var hold = owner.Coordinator.Hold(id, r => stopped.TrySetResult(r));
        await owner.Coordinator.RoundNowAsync();

        var requested = await Start().Coordinator.RequestCancelAsync(id);

        requested.Should().BeTrue();
        (await stopped.Task.WithPatience()).Should().Be(RunSignal.CancelRequested);
    }

    [Fact]
    public async Task CancelRequest_WhoseMessageWasLost_IsPickedUpAtTheNextRenewal()
    {
        var owner = Start();
        var id = await TestRecords.CreateOwnedAsync(owner);
        var reasons = new List<RunSignal>();
        using var hold = owner.Coordinator.Hold(id, reasons.Add);
        await server.Database.HashSetAsync(owner.Log.Keys.Meta(id), "cancel", 1);

        await owner.Coordinator.RoundNowAsync();
        await owner.Coordinator.RoundNowAsync();

        reasons.Should().Equal([RunSignal.CancelRequested], "the mark in Redis is the request; the message only makes it fast");
    }

    [Fact]
    public async Task RequestCancel_EndedUnknownOrUnfitIds_ReturnsFalse()
    {
        var owner = Start();
        var ended = await TestRecords.CreateOwnedAsync(owner);
        await owner.Log.AppendAsync(TestEvents.Completed(ended));
        var keeper = Start().Coordinator;

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
        using var hold = owner.Coordinator.Hold(id, _ => { });
        for (var i = 0; i < 3; i++)
        {
            await owner.Log.AppendAsync(TestEvents.Progress(id, i));
        }

        await server.Database.KeyDeleteAsync([owner.Log.Keys.Meta(id), owner.Log.Keys.Events(id), owner.Log.Keys.Lease(id)]);
        await owner.Coordinator.RoundNowAsync();
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

        await watcher.Coordinator.RoundNowAsync();
        var waiting = subscription.WaitToReadAsync().AsTask();
        await watcher.Coordinator.RoundNowAsync();
        var stillWaiting = !waiting.IsCompleted;
        _clock.Advance(Lease);
        await watcher.Coordinator.RoundNowAsync();

        stillWaiting.Should().BeTrue("its owner gets a lease to restore it");
        (await waiting.WithPatience()).Should().BeFalse("the stream ends instead of waiting forever");
    }

    [Fact]
    public void Hold_NullArguments_Throw()
    {
        var keeper = Start().Coordinator;

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
        await Task.WhenAll(keepers.Select(k => k.Coordinator.RoundNowAsync()));
        _clock.Advance(Lease);
    }

    /// <summary>Reads an instance's claims as its engine would, into a list the test looks at.</summary>
    private List<string> Watch(RedisLogHarness instance)
    {
        var claims = new List<string>();
        _ = WatchAsync(instance, new TaskCompletionSource<string>(), claims);
        return claims;
    }

    private async Task WatchAsync(RedisLogHarness instance, TaskCompletionSource<string> first, List<string>? into = null)
    {
        try
        {
            await foreach (var id in instance.Coordinator.WatchOrphanedRunsAsync(_watching.Token))
            {
                if (into is not null)
                {
                    lock (into)
                    {
                        into.Add(id);
                    }
                }

                first.TrySetResult(id);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static Task ClaimedAsync(params List<string>[] claims) => Eventually.TrueAsync(() => claims.Sum(c => c.Count) > 0);

    private async Task<List<EventLogEntry>> EventsAsync(RedisLogHarness instance, string id)
    {
        var entries = await server.Database.StreamRangeAsync(instance.Log.Keys.Events(id));
        return [.. entries.Select(e => EventLogEntry.FromFrame((byte[])e.Values[0].Value!))];
    }
}
