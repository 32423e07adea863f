using Iteration.Streaming.Events;
using Iteration.Streaming.ScaleOut;
using Iteration.Streaming.StackExchangeRedis.Hosting;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Ownership;

/// <summary>
/// What the engine's review gates rely on: a run that waits for its user (status <c>awaiting_input</c>, its hold let go)
/// has no owner and is taken over by nobody; the instance that gets the input claims it (exactly one of racing ones) and
/// alone may append; input stored on one instance reaches the instance running the run as a signal, not a stop.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class ReviewGateOwnershipTests(RedisServerFixture server) : IAsyncLifetime
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
    public async Task HoldDisposedAtAGate_GivesTheLeaseUp_AndNoInstanceTakesTheRunOver()
    {
        var owner = Start();
        var id = await TestRecords.CreateOwnedAsync(owner);
        var hold = owner.Coordinator.Hold(id, _ => { });
        await owner.Log.AppendAsync(GateEvent(id));
        var keepers = new[] { Start(), Start() };
        var claims = keepers.Select(Watch).ToArray();
        await ConnectedForALeaseAsync(keepers);

        hold.Dispose();
        await owner.Coordinator.RoundNowAsync();
        for (var round = 0; round < 3; round++)
        {
            _clock.Advance(Lease);
            await Task.WhenAll(keepers.Select(k => k.Coordinator.RoundNowAsync()));
        }

        ((string?)await server.Database.StringGetAsync(owner.Log.Keys.Lease(id))).Should().BeNull("a waiting run needs no owner");
        (await server.Database.SortedSetScoreAsync(owner.Log.Keys.Leases, id)).Should().BeNull("nothing is due to be taken over");
        claims.Should().OnlyContain(c => c.Count == 0);
        var record = await owner.Records.GetAsync(id);
        record!.Status.Should().Be(GenerationStatus.AwaitingInput);
        record.Owner.Should().Be(owner.Options.InstanceName);
        owner.Coordinator.OwnedCount.Should().Be(0);
    }

    [Fact]
    public async Task HoldDisposedAtAGate_GivesTheLeaseUpAtOnce_SoAnotherInstanceMayClaimIt()
    {
        var owner = Start();
        var id = await TestRecords.CreateOwnedAsync(owner);
        var hold = owner.Coordinator.Hold(id, _ => { });
        await owner.Log.AppendAsync(GateEvent(id));

        hold.Dispose();

        await Eventually.TrueAsync(async () => !await server.Database.KeyExistsAsync(owner.Log.Keys.Lease(id)));
        (await Start().Coordinator.TryClaimAsync(id)).Should().BeTrue("the input may arrive anywhere a moment after the gate");
    }

    [Fact]
    public async Task HoldDisposedAfterTheEnd_KeepsNothing()
    {
        var owner = Start();
        var id = await TestRecords.CreateOwnedAsync(owner);
        var hold = owner.Coordinator.Hold(id, _ => { });
        await owner.Log.AppendAsync(TestEvents.Completed(id));

        hold.Dispose();
        await owner.Coordinator.RoundNowAsync();

        owner.Coordinator.OwnedCount.Should().Be(0);
        (await owner.Records.GetAsync(id))!.Status.Should().Be(GenerationStatus.Completed);
    }

    [Fact]
    public async Task OwnerKilledAtAGateBeforeLettingGo_LeaseLapses_NoInstanceTakesTheRunOver()
    {
        var ghost = Start();
        var id = await TestRecords.CreateOwnedAsync(ghost);
        await ghost.Log.AppendAsync(GateEvent(id));
        await server.Database.KeyDeleteAsync(ghost.Log.Keys.Lease(id));
        await server.Database.SortedSetAddAsync(ghost.Log.Keys.Leases, id, 0);
        var keepers = new[] { Start(), Start() };
        var claims = keepers.Select(Watch).ToArray();
        await ConnectedForALeaseAsync(keepers);

        await Task.WhenAll(keepers.Select(k => k.Coordinator.RoundNowAsync()));
        await Task.WhenAll(keepers.Select(k => k.Coordinator.RoundNowAsync()));

        claims.Should().OnlyContain(c => c.Count == 0);
        ((string?)await server.Database.StringGetAsync(ghost.Log.Keys.Lease(id))).Should().BeNull();
        (await server.Database.SortedSetScoreAsync(ghost.Log.Keys.Leases, id)).Should().BeNull("the stale index entry is dropped, not scanned at every round");
        (await ghost.Records.GetAsync(id))!.Owner.Should().Be(ghost.Options.InstanceName);
    }

    [Fact]
    public async Task HandOver_OfAWaitingRun_IsNotClaimed()
    {
        var owner = Start();
        var id = await TestRecords.CreateOwnedAsync(owner);
        await owner.Log.AppendAsync(GateEvent(id));
        var taker = Start();
        var claims = Watch(taker);
        await taker.Coordinator.RoundNowAsync();

        await owner.Coordinator.HandOverAsync(id);
        await taker.Coordinator.RoundNowAsync();

        claims.Should().BeEmpty();
        ((string?)await server.Database.StringGetAsync(owner.Log.Keys.Lease(id))).Should().BeNull();
    }

    [Fact]
    public async Task TryClaim_OfAWaitingRun_TwoInstancesRacing_ExactlyOneClaimsIt_AndOnlyItMayAppend()
    {
        var owner = Start();
        var id = await TestRecords.CreateOwnedAsync(owner);
        var hold = owner.Coordinator.Hold(id, _ => { });
        await owner.Log.AppendAsync(GateEvent(id));
        hold.Dispose();
        await owner.Coordinator.RoundNowAsync();
        var racers = new[] { Start(), Start() };

        var claimed = await Task.WhenAll(racers.Select(r => r.Coordinator.TryClaimAsync(id).AsTask()));

        claimed.Count(c => c).Should().Be(1);
        var winner = racers[Array.IndexOf(claimed, true)];
        var loser = racers[Array.IndexOf(claimed, false)];
        using var winnerHold = winner.Coordinator.Hold(id, _ => { });
        var appended = await winner.Log.AppendAsync(TestEvents.Stage(id, GenerationStages.InputReceived));
        appended.Sequence.Should().Be(2);
        await FluentActions.Awaiting(() => owner.Log.AppendAsync(TestEvents.Progress(id, 1)).AsTask())
            .Should().ThrowAsync<InvalidOperationException>().WithMessage($"*{id}*another instance*");
        await FluentActions.Awaiting(() => loser.Log.AppendAsync(TestEvents.Progress(id, 2)).AsTask())
            .Should().ThrowAsync<InvalidOperationException>().WithMessage($"*{id}*another instance*");
        ((string?)await server.Database.StringGetAsync(owner.Log.Keys.Lease(id))).Should().Be(winner.Options.InstanceName);
        var record = await owner.Records.GetAsync(id);
        record!.Owner.Should().Be(winner.Options.InstanceName);
        record.Status.Should().Be(GenerationStatus.Processing, "the log's status follows into the record");
        (await server.Database.SortedSetScoreAsync(owner.Log.Keys.Leases, id)).Should().NotBeNull("a claimed run is renewed and indexed again");
    }

    [Fact]
    public async Task TryClaim_OfAWaitingRun_ByItsFormerOwner_Succeeds()
    {
        var owner = Start();
        var id = await TestRecords.CreateOwnedAsync(owner);
        var hold = owner.Coordinator.Hold(id, _ => { });
        await owner.Log.AppendAsync(GateEvent(id));
        hold.Dispose();
        await owner.Coordinator.RoundNowAsync();

        (await owner.Coordinator.TryClaimAsync(id)).Should().BeTrue();

        using var again = owner.Coordinator.Hold(id, _ => { });
        (await owner.Log.AppendAsync(TestEvents.Stage(id, GenerationStages.InputReceived))).Sequence.Should().Be(2);
        ((string?)await server.Database.StringGetAsync(owner.Log.Keys.Lease(id))).Should().Be(owner.Options.InstanceName);
    }

    [Fact]
    public async Task NotifyInput_FromAnotherInstance_ReachesTheOwnerAsInputArrived_AndTheRunKeepsItsLease()
    {
        var owner = Start();
        var id = await TestRecords.CreateOwnedAsync(owner);
        var signals = new List<RunSignal>();
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var input = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var hold = owner.Coordinator.Hold(id, signal =>
        {
            lock (signals)
            {
                signals.Add(signal);
            }

            _ = signal == RunSignal.CancelRequested ? cancelled.TrySetResult() : input.TrySetResult();
        });
        await owner.Coordinator.RoundNowAsync();
        var other = Start();

        var told = await other.Coordinator.NotifyInputAsync(id);
        await input.Task.WithPatience();
        await owner.Coordinator.RoundNowAsync();
        var cancelRequested = await other.Coordinator.RequestCancelAsync(id);
        await cancelled.Task.WithPatience();

        told.Should().BeTrue();
        cancelRequested.Should().BeTrue();
        lock (signals)
        {
            signals.Should().Contain(RunSignal.InputArrived).And.NotContain(RunSignal.OwnershipLost);
            signals.Should().ContainSingle(s => s == RunSignal.CancelRequested, "input is not a stop: a cancel after it still reaches the run");
        }

        ((string?)await server.Database.StringGetAsync(owner.Log.Keys.Lease(id))).Should().Be(owner.Options.InstanceName);
    }

    [Fact]
    public async Task NotifyInput_Twice_IsToldBothTimes()
    {
        var owner = Start();
        var id = await TestRecords.CreateOwnedAsync(owner);
        var count = 0;
        var twice = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var hold = owner.Coordinator.Hold(id, signal =>
        {
            if (signal == RunSignal.InputArrived && Interlocked.Increment(ref count) == 2)
            {
                twice.TrySetResult();
            }
        });
        await owner.Coordinator.RoundNowAsync();
        var other = Start();

        (await other.Coordinator.NotifyInputAsync(id)).Should().BeTrue();
        (await other.Coordinator.NotifyInputAsync(id)).Should().BeTrue();

        await twice.Task.WithPatience();
    }

    [Fact]
    public async Task NotifyInput_WhoseMessageWasLost_IsPickedUpOnceAtTheNextRenewal()
    {
        var owner = Start();
        var id = await TestRecords.CreateOwnedAsync(owner);
        var signals = new List<RunSignal>();
        using var hold = owner.Coordinator.Hold(id, signals.Add);
        await server.Database.HashSetAsync(owner.Log.Keys.Meta(id), "input", 1);

        await owner.Coordinator.RoundNowAsync();
        await owner.Coordinator.RoundNowAsync();

        signals.Should().Equal([RunSignal.InputArrived], "the renewal takes the mark");
        ((string?)await server.Database.StringGetAsync(owner.Log.Keys.Lease(id))).Should().Be(owner.Options.InstanceName);
    }

    [Fact]
    public async Task NotifyInput_WaitingEndedUnknownOrUnfitIds_ReturnsFalse()
    {
        var owner = Start();
        var waiting = await TestRecords.CreateOwnedAsync(owner);
        var hold = owner.Coordinator.Hold(waiting, _ => { });
        await owner.Log.AppendAsync(GateEvent(waiting));
        hold.Dispose();
        await owner.Coordinator.RoundNowAsync();
        var ended = await TestRecords.CreateOwnedAsync(owner);
        await owner.Log.AppendAsync(TestEvents.Completed(ended));
        var other = Start().Coordinator;

        (await other.NotifyInputAsync(waiting)).Should().BeFalse("nobody runs a run that waits at a gate");
        (await other.NotifyInputAsync(ended)).Should().BeFalse();
        (await other.NotifyInputAsync(TestEvents.NewId())).Should().BeFalse();
        foreach (var hostile in new[] { string.Empty, "{x}", "a\nb", new string('a', 201), "\ud800" })
        {
            (await other.NotifyInputAsync(hostile)).Should().BeFalse();
        }

        await FluentActions.Awaiting(() => other.NotifyInputAsync(null!).AsTask()).Should().ThrowAsync<ArgumentNullException>();
        (await server.Database.HashExistsAsync(owner.Log.Keys.Meta(waiting), "input")).Should().BeFalse();
    }

    [Fact]
    public async Task HoldDisposedWhileRunning_LeaseLapses_TheRunIsStillTakenOver()
    {
        var owner = Start();
        var id = await TestRecords.CreateOwnedAsync(owner);
        var hold = owner.Coordinator.Hold(id, _ => { });
        await owner.Log.AppendAsync(TestEvents.Progress(id, 0));
        hold.Dispose();
        await owner.Coordinator.RoundNowAsync();
        await server.Database.KeyDeleteAsync(owner.Log.Keys.Lease(id));
        await server.Database.SortedSetAddAsync(owner.Log.Keys.Leases, id, 0);
        var keeper = Start();
        var claims = Watch(keeper);
        await ConnectedForALeaseAsync(keeper);

        await keeper.Coordinator.RoundNowAsync();

        await Eventually.TrueAsync(() => claims.Count > 0);
        claims.Should().Equal(id);
    }

    private static StreamingProgressEvent GateEvent(string id) =>
        TestEvents.Stage(id, GenerationStages.AwaitingInput) with { Status = GenerationStatus.AwaitingInput, Message = "Review the plan: 3 phases" };

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

    private async Task ConnectedForALeaseAsync(params RedisLogHarness[] keepers)
    {
        await Task.WhenAll(keepers.Select(k => k.Coordinator.RoundNowAsync()));
        _clock.Advance(Lease);
    }

    /// <summary>Reads an instance's claims as its engine would, into a list the test looks at.</summary>
    private List<string> Watch(RedisLogHarness instance)
    {
        var claims = new List<string>();
        _ = WatchAsync(instance, claims);
        return claims;
    }

    private async Task WatchAsync(RedisLogHarness instance, List<string> into)
    {
        try
        {
            await foreach (var id in instance.Coordinator.WatchOrphanedRunsAsync(_watching.Token))
            {
                lock (into)
                {
                    into.Add(id);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
