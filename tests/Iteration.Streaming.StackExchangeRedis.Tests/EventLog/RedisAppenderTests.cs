using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.StackExchangeRedis.EventLog;
using Iteration.Streaming.StackExchangeRedis.Hosting;
using Iteration.Streaming.StackExchangeRedis.Scripts;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.StackExchangeRedis.Tests.EventLog;

/// <summary>Appends through a Redis outage: events wait in order, within limits, and nothing is lost silently.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisAppenderTests(RedisServerFixture server) : IAsyncLifetime
{
    private readonly string _prefix = RedisLogHarness.NewPrefix();
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
    public async Task Outage_EventsWaitInOrder_AndReachRedisWhenItIsBack()
    {
        var writer = Start();
        var id = await CreateAsync(writer);
        var appended = new List<EventLogEntry> { await writer.Log.AppendAsync(TestEvents.Progress(id, 0)) };

        await server.StopAsync(keepData: true);
        for (var i = 1; i <= 3; i++)
        {
            appended.Add(await writer.Log.AppendAsync(TestEvents.Progress(id, i)).WithPatience());
        }

        appended.Add(await writer.Log.AppendAsync(TestEvents.Completed(id)).WithPatience());
        var waiting = writer.Buffer.Status;
        await server.StartAgainAsync();
        await using var reader = await Start().Log.SubscribeAsync(id);
        var read = await reader.ReadAllAsync().ToListAsync().WithPatience();

        waiting.Events.Should().Be(4);
        appended.Select(e => e.Sequence).Should().Equal(1, 2, 3, 4, 5);
        read.Select(e => e.Frame.ToArray()).Should().BeEquivalentTo(appended.Select(e => e.Frame.ToArray()), o => o.WithStrictOrdering());
        await Eventually.TrueAsync(() => writer.Buffer.Status.Events == 0);
    }

    [Fact]
    public async Task Outage_PastOutageTimeout_RefusesTheNextEventClearly_ButItsFailedEventWaits()
    {
        var clock = new FakeTimeProvider();
        var writer = Start(o => o.OutageTimeout = TimeSpan.FromSeconds(30), clock);
        var id = await CreateAsync(writer);
        await writer.Log.AppendAsync(TestEvents.Progress(id, 0));

        await server.StopAsync(keepData: true);
        await writer.Log.AppendAsync(TestEvents.Progress(id, 1)).WithPatience();
        clock.Advance(TimeSpan.FromSeconds(30));
        var refused = await FluentActions.Awaiting(() => writer.Log.AppendAsync(TestEvents.Progress(id, 2)).AsTask()).Should().ThrowAsync<InvalidOperationException>();
        var again = await FluentActions.Awaiting(() => writer.Log.AppendAsync(TestEvents.Progress(id, 3)).AsTask()).Should().ThrowAsync<InvalidOperationException>();
        var failed = await writer.Log.AppendAsync(TestEvents.Failed(id, refused.Which.Message)).WithPatience();
        var status = writer.Buffer.Status;
        await server.StartAgainAsync();
        await using var reader = await Start().Log.SubscribeAsync(id);
        var read = await reader.ReadAllAsync().ToListAsync().WithPatience();

        refused.Which.Message.Should().Contain("OutageTimeout").And.Contain("no event is lost silently");
        again.Which.Message.Should().Be(refused.Which.Message);
        status.Should().BeEquivalentTo(new { Events = 2, StoppedGenerations = 1, StoppedRunsTotal = 1L });
        failed.Sequence.Should().Be(3);
        read.Select(e => e.Event.Status).Should().Equal(GenerationStatus.Processing, GenerationStatus.Processing, GenerationStatus.Failed);
        read[^1].Event.Error.Should().Contain("OutageTimeout");
    }

    [Fact]
    public async Task Outage_PastMaxBufferedEvents_RefusesTheNextEvent()
    {
        var writer = Start(o => o.MaxBufferedEvents = 2);
        var id = await CreateAsync(writer);
        await writer.Log.AppendAsync(TestEvents.Progress(id, 0));

        await server.StopAsync(keepData: true);
        try
        {
            await writer.Log.AppendAsync(TestEvents.Progress(id, 1)).WithPatience();
            await writer.Log.AppendAsync(TestEvents.Progress(id, 2)).WithPatience();
            var act = () => writer.Log.AppendAsync(TestEvents.Progress(id, 3)).AsTask();

            (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("MaxBufferedEvents");
        }
        finally
        {
            await server.StartAgainAsync();
        }
    }

    [Fact]
    public async Task Outage_WithMaxBufferedEventsZero_RefusesTheFirstEventRedisDoesNotTake()
    {
        var writer = Start(o => o.MaxBufferedEvents = 0);
        var id = await CreateAsync(writer);

        await server.StopAsync(keepData: true);
        try
        {
            var act = () => writer.Log.AppendAsync(TestEvents.Progress(id, 1)).AsTask();

            await act.Should().ThrowAsync<InvalidOperationException>().WithMessage("*MaxBufferedEvents*");
        }
        finally
        {
            await server.StartAgainAsync();
        }
    }

    [Fact]
    public async Task RetriedAppend_ThatReachedRedis_IsNotWrittenTwice()
    {
        var writer = Start();
        var id = await CreateAsync(writer);
        var entry = EventLogEntry.Create(1, TestEvents.Progress(id, 0));

        var first = await writer.Scripts.AppendAsync(entry, maxEvents: 1_000, DateTimeOffset.UtcNow, CancellationToken.None);
        var retry = await writer.Scripts.AppendAsync(entry, maxEvents: 1_000, DateTimeOffset.UtcNow, CancellationToken.None);

        first.Should().Be(new AppendResult(AppendResult.Appended, 1));
        retry.Should().Be(new AppendResult(AppendResult.Appended, 1));
        (await server.Database.StreamLengthAsync(writer.Log.Keys.Events(id))).Should().Be(1);
    }

    [Fact]
    public async Task RedisLostTheGeneration_TheNextAppendRestoresIt()
    {
        var writer = Start();
        var id = await CreateAsync(writer);
        for (var i = 0; i < 3; i++)
        {
            await writer.Log.AppendAsync(TestEvents.Progress(id, i));
        }

        await server.Database.KeyDeleteAsync([writer.Log.Keys.Meta(id), writer.Log.Keys.Events(id)]);
        var next = await writer.Log.AppendAsync(TestEvents.Progress(id, 3));
        await writer.Log.AppendAsync(TestEvents.Completed(id)).WithPatience();
        await Eventually.TrueAsync(() => writer.Buffer.Status.Events == 0);
        await using var reader = await Start().Log.SubscribeAsync(id);
        var read = await reader.ReadAllAsync().ToListAsync().WithPatience();

        next.Sequence.Should().Be(4);
        read.Select(e => e.Sequence).Should().Equal(3, 4, 5);
        read[0].Event.Replay.Should().Be(StreamingProgressEvent.SnapshotReplay, "what came before the loss is summed up by the newest event Redis had");
    }

    [Fact]
    public async Task AppendAfterAnotherInstanceEndedTheGeneration_IsRefused()
    {
        var writer = Start();
        var id = await CreateAsync(writer);
        await writer.Log.AppendAsync(TestEvents.Progress(id, 0));
        await Start().Log.AppendAsync(TestEvents.Failed(id, "ended elsewhere"));

        var act = () => writer.Log.AppendAsync(TestEvents.Progress(id, 1)).AsTask();

        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage("*already ended*");
    }

    [Fact]
    public async Task AppendByTheFormerOwner_AfterAnotherInstanceTookTheRunOver_IsRefused()
    {
        var owner = Start();
        var id = await TestRecords.CreateOwnedAsync(owner);
        await owner.Log.AppendAsync(TestEvents.Progress(id, 0));
        await server.Database.KeyDeleteAsync(owner.Log.Keys.Lease(id));
        var taker = Start();
        (await taker.Coordinator.TryClaimAsync(id)).Should().BeTrue();

        var act = () => owner.Log.AppendAsync(TestEvents.Progress(id, 1)).AsTask();

        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage("*another instance*");
        (await taker.Log.AppendAsync(TestEvents.Progress(id, 1))).Sequence.Should().Be(2, "the new owner continues the log");
        (await server.Database.StreamLengthAsync(owner.Log.Keys.Events(id))).Should().Be(2);
    }

    private RedisLogHarness Start(Action<IterationStreamingRedisOptions>? configure = null, TimeProvider? timeProvider = null)
    {
        var instance = RedisLogHarness.Start(
            server,
            _prefix,
            o =>
            {
                o.Configuration = server.QuickReconnectConfiguration;
                configure?.Invoke(o);
            },
            timeProvider: timeProvider);
        _instances.Add(instance);
        return instance;
    }

    private static async Task<string> CreateAsync(RedisLogHarness instance)
    {
        var id = TestEvents.NewId();
        await instance.Log.CreateAsync(id);
        return id;
    }
}
