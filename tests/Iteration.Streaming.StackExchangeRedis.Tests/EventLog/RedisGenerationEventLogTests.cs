using System.Text;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;
using StackExchange.Redis;

namespace Iteration.Streaming.StackExchangeRedis.Tests.EventLog;

[Collection(RedisCollection.Name)]
public sealed class RedisGenerationEventLogTests(RedisServerFixture server) : IAsyncLifetime
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
    public async Task AppendAsync_StoresTheFrameOnceUnderTheSequenceId()
    {
        var a = Start();
        var id = await CreateAsync(a);

        var entry = await a.Log.AppendAsync(TestEvents.Stage(id, GenerationStages.Initializing));

        var stored = await server.Database.StreamRangeAsync(a.Log.Keys.Events(id));
        stored.Should().ContainSingle();
        ((string?)stored[0].Id).Should().Be("1-0");
        stored[0].Values.Should().ContainSingle("the stream keeps the frame only");
        ((byte[])stored[0].Values[0].Value!).Should().Equal(entry.Frame.ToArray());
    }

    [Fact]
    public async Task Readers_OnAnotherInstance_GetByteIdenticalFrames()
    {
        var prefix = RedisLogHarness.NewPrefix();
        var a = Start(prefix);
        var b = Start(prefix);
        var id = await CreateAsync(a);
        await using var replaying = await b.Log.SubscribeAsync(id);
        var appended = new List<EventLogEntry>
        {
            await a.Log.AppendAsync(TestEvents.Stage(id, GenerationStages.Initializing)),
            await a.Log.AppendAsync(TestEvents.Progress(id, 1) with { Message = "line one\nline two \"quoted\" ✓" }),
            await a.Log.AppendAsync(TestEvents.Completed(id)),
        };

        var read = await replaying.ReadAllAsync().ToListAsync().WithPatience();

        read.Select(e => Encoding.UTF8.GetString(e.Frame.Span)).Should().Equal(appended.Select(e => Encoding.UTF8.GetString(e.Frame.Span)));
        read.Select(e => e.Event).Should().Equal(appended.Select(e => e.Event));
    }

    [Fact]
    public async Task Resume_OnAnotherInstance_ContinuesWithoutGapOrDuplicate()
    {
        var prefix = RedisLogHarness.NewPrefix();
        var a = Start(prefix);
        var b = Start(prefix);
        var id = await CreateAsync(a);
        for (var i = 0; i < 30; i++)
        {
            await a.Log.AppendAsync(TestEvents.Progress(id, i));
        }

        var firstPart = new List<long>();
        await using (var onB = await b.Log.SubscribeAsync(id))
        {
            while (firstPart.Count < 12 && await onB.WaitToReadAsync().AsTask().WithPatience())
            {
                while (firstPart.Count < 12 && onB.TryRead(out var entry))
                {
                    firstPart.Add(entry.Sequence);
                }
            }
        }

        await using var onA = await a.Log.SubscribeAsync(id, afterSequence: firstPart[^1]);
        var rest = onA.ReadAllAsync().ToListAsync();
        for (var i = 30; i < 40; i++)
        {
            await a.Log.AppendAsync(TestEvents.Progress(id, i));
        }

        await a.Log.AppendAsync(TestEvents.Completed(id));

        var all = firstPart.Concat((await rest.WithPatience()).Select(e => e.Sequence));
        all.Should().Equal(Enumerable.Range(1, 41).Select(i => (long)i));
    }

    [Fact]
    public async Task AppendAsync_FromTwoInstancesAtOnce_KeepsOneContiguousSequenceAndReturnsTheStoredFrames()
    {
        var prefix = RedisLogHarness.NewPrefix();
        var a = Start(prefix);
        var b = Start(prefix);
        var id = await CreateAsync(a);

        async Task<List<EventLogEntry>> AppendMany(RedisLogHarness instance, int from)
        {
            var entries = new List<EventLogEntry>();
            for (var i = from; i < from + 150; i++)
            {
                entries.Add(await instance.Log.AppendAsync(TestEvents.Progress(id, i)));
            }

            return entries;
        }

        var results = await Task.WhenAll(Task.Run(() => AppendMany(a, 0)), Task.Run(() => AppendMany(b, 1_000))).WithPatience();

        var returned = results.SelectMany(r => r).OrderBy(e => e.Sequence).ToList();
        returned.Select(e => e.Sequence).Should().Equal(Enumerable.Range(1, 300).Select(i => (long)i));
        var stored = await server.Database.StreamRangeAsync(a.Log.Keys.Events(id));
        stored.Select(e => (string?)e.Id).Should().Equal(returned.Select(e => $"{e.Sequence}-0"));
        stored.Select(e => Convert.ToHexString((byte[])e.Values[0].Value!)).Should().Equal(returned.Select(e => Convert.ToHexString(e.Frame.Span)));
        returned.Select(e => EventLogEntry.FromFrame(e.Frame).Sequence).Should().Equal(returned.Select(e => e.Sequence));
    }

    [Fact]
    public async Task AppendAsync_AfterAnotherInstanceAppended_IsRenumberedInOneStep()
    {
        var prefix = RedisLogHarness.NewPrefix();
        var a = Start(prefix);
        var b = Start(prefix);
        var id = await CreateAsync(a);
        await b.Log.AppendAsync(TestEvents.Progress(id, 0));
        var evalsBefore = await server.CommandCallsAsync("evalsha") + await server.CommandCallsAsync("eval");

        var entry = await a.Log.AppendAsync(TestEvents.Progress(id, 1));

        (await server.CommandCallsAsync("evalsha") + await server.CommandCallsAsync("eval") - evalsBefore).Should().Be(1);
        entry.Sequence.Should().Be(2);
        Encoding.UTF8.GetString(entry.Frame.Span).Should().StartWith("id: 2\n");
        var stored = await server.Database.StreamRangeAsync(a.Log.Keys.Events(id), "2-0", "2-0");
        ((byte[])stored.Single().Values[0].Value!).Should().Equal(entry.Frame.ToArray());
    }

    [Fact]
    public async Task AppendAsync_TerminalEvent_SetsNoExpiry_RetentionDeletesTheGenerationWhole()
    {
        var a = Start(core: new IterationStreamingOptions { RetainCompletedFor = TimeSpan.FromMinutes(10) });
        var id = await CreateAsync(a);
        await a.Log.AppendAsync(TestEvents.Progress(id, 0));

        await a.Log.AppendAsync(TestEvents.Completed(id));

        foreach (var key in new[] { a.Log.Keys.Meta(id), a.Log.Keys.Events(id) })
        {
            ((long)await server.Database.ExecuteAsync("PTTL", key)).Should().Be(-1, "the engine's retention deletes record, log and files together");
        }
    }

    [Fact]
    public async Task DeleteAsync_RemovesTheLogAndItsLease_AndTheGenerationIsUnknownEverywhere()
    {
        var a = Start();
        var id = await CreateAsync(a);
        await a.Log.AppendAsync(TestEvents.Completed(id));

        (await a.Log.DeleteAsync(id)).Should().BeTrue();

        (await a.Log.ExistsAsync(id)).Should().BeFalse();
        (await server.Database.KeyExistsAsync(a.Log.Keys.Events(id))).Should().BeFalse();
        await FluentActions.Awaiting(() => Start().Log.SubscribeAsync(id).AsTask()).Should().ThrowAsync<GenerationNotFoundException>();
        (await a.Log.DeleteAsync(id)).Should().BeFalse("deleting twice deletes nothing");
    }

    [Fact]
    public async Task DeleteAsync_UnknownUnfitOrNullIds()
    {
        var a = Start();

        (await a.Log.DeleteAsync(TestEvents.NewId())).Should().BeFalse();
        foreach (var hostile in new[] { string.Empty, "{x}", "a\nb", new string('a', 201), "\ud800" })
        {
            (await a.Log.DeleteAsync(hostile)).Should().BeFalse();
        }

        await FluentActions.Awaiting(() => a.Log.DeleteAsync(null!).AsTask()).Should().ThrowAsync<ArgumentNullException>();
    }

    [Fact]
    public async Task RunningGeneration_HasNoExpiry()
    {
        var a = Start();
        var id = await CreateAsync(a);

        await a.Log.AppendAsync(TestEvents.Progress(id, 0));

        ((long)await server.Database.ExecuteAsync("PTTL", a.Log.Keys.Meta(id))).Should().Be(-1);
        ((long)await server.Database.ExecuteAsync("PTTL", a.Log.Keys.Events(id))).Should().Be(-1);
    }

    [Fact]
    public async Task ExpiredGeneration_IsUnknownEverywhereAndCanBeCreatedAgain()
    {
        var a = Start();
        var id = await CreateAsync(a);
        await a.Log.AppendAsync(TestEvents.Completed(id));

        await ExpireNowAsync(a, id);

        (await a.Log.ExistsAsync(id)).Should().BeFalse();
        await FluentActions.Awaiting(() => a.Log.AppendAsync(TestEvents.Progress(id, 1)).AsTask()).Should().ThrowAsync<GenerationNotFoundException>();
        await FluentActions.Awaiting(() => a.Log.SubscribeAsync(id).AsTask()).Should().ThrowAsync<GenerationNotFoundException>();
        await FluentActions.Awaiting(() => a.Log.GetLatestAsync(id).AsTask()).Should().ThrowAsync<GenerationNotFoundException>();
        await a.Log.CreateAsync(id);
        (await a.Log.AppendAsync(TestEvents.Progress(id, 0))).Sequence.Should().Be(1);
    }

    [Fact]
    public async Task SubscriberBehind_WhenRetentionRemovesTheLog_EndsInsteadOfHanging()
    {
        var a = Start(configure: o => o.ReplayBatchSize = 2);
        var id = await CreateAsync(a);
        for (var i = 0; i < 5; i++)
        {
            await a.Log.AppendAsync(TestEvents.Progress(id, i));
        }

        await a.Log.AppendAsync(TestEvents.Completed(id));
        await using var subscription = await a.Log.SubscribeAsync(id);
        (await subscription.WaitToReadAsync()).Should().BeTrue();
        subscription.TryRead(out _).Should().BeTrue();
        subscription.TryRead(out _).Should().BeTrue();

        await ExpireNowAsync(a, id);

        var rest = await subscription.ReadAllAsync().ToListAsync().WithPatience();
        rest.Should().BeEmpty();
        subscription.LastSequence.Should().Be(2);
    }

    [Fact]
    public async Task Trimming_KeepsAboutMaxEventsPerGeneration()
    {
        var a = Start(core: new IterationStreamingOptions { MaxEventsPerGeneration = 32 });
        var id = await CreateAsync(a);

        for (var i = 0; i < 500; i++)
        {
            await a.Log.AppendAsync(TestEvents.Progress(id, i));
        }

        var length = await server.Database.StreamLengthAsync(a.Log.Keys.Events(id));
        length.Should().BeInRange(32, 33, "32 / 16 = a trim batch of 2");
        (await a.Log.GetLatestAsync(id))!.Sequence.Should().Be(500);
    }

    [Fact]
    public async Task SubscriberFromZero_AfterTrimming_GetsOneSnapshotThenTheRetainedEntries()
    {
        var a = Start(core: new IterationStreamingOptions { MaxEventsPerGeneration = 16 });
        var id = await CreateAsync(a);
        await a.Log.AppendAsync(TestEvents.Stage(id, GenerationStages.Initializing));
        for (var i = 0; i < 100; i++)
        {
            await a.Log.AppendAsync(TestEvents.Progress(id, i));
        }

        await a.Log.AppendAsync(TestEvents.Completed(id));

        await using var subscription = await a.Log.SubscribeAsync(id);
        var entries = await subscription.ReadAllAsync().ToListAsync().WithPatience();

        entries[0].Event.Replay.Should().Be(StreamingProgressEvent.SnapshotReplay);
        entries[0].Sequence.Should().Be(entries[1].Sequence - 1, "the snapshot stands for the newest trimmed event, so ids stay contiguous");
        entries[0].Event.Should().Be(TestEvents.Progress(id, (int)entries[0].Sequence - 2) with { Replay = StreamingProgressEvent.SnapshotReplay });
        Encoding.UTF8.GetString(entries[0].Frame.Span).Should().StartWith($"id: {entries[0].Sequence}\n").And.Contain("\"replay\":\"snapshot\"");
        entries.Skip(1).Should().OnlyContain(e => e.Event.Replay == null);
        entries.Select(e => e.Sequence).Should().Equal(Enumerable.Range((int)entries[0].Sequence, entries.Count).Select(i => (long)i));
        entries[^1].Sequence.Should().Be(102);
    }

    [Fact]
    public async Task StalledSubscriber_WhileThousandsAreAppended_GetsOneSnapshotAndMemoryStaysBounded()
    {
        var a = Start(configure: o => o.LocalWindowSize = 16, core: new IterationStreamingOptions { MaxEventsPerGeneration = 64 });
        var id = await CreateAsync(a);
        await a.Log.AppendAsync(TestEvents.Stage(id, GenerationStages.Initializing));
        await using var stalled = await a.Log.SubscribeAsync(id);
        (await stalled.WaitToReadAsync().AsTask().WithPatience()).Should().BeTrue();
        stalled.TryRead(out _).Should().BeTrue();

        for (var i = 0; i < 3_000; i++)
        {
            await a.Log.AppendAsync(TestEvents.Progress(id, i));
        }

        await a.Log.AppendAsync(TestEvents.Completed(id));
        await Eventually.TrueAsync(() => a.Tail.Find(id) is { NeedsTail: false });

        a.Tail.Find(id)!.WindowCount.Should().BeLessThanOrEqualTo(16);
        var entries = await stalled.ReadAllAsync().ToListAsync().WithPatience();
        entries.Count(e => e.Event.Replay is not null).Should().Be(1);
        entries[0].Event.Replay.Should().Be(StreamingProgressEvent.SnapshotReplay);
        entries.Select(e => e.Sequence).Should().Equal(Enumerable.Range((int)entries[0].Sequence, entries.Count).Select(i => (long)i));
        entries[^1].IsTerminal.Should().BeTrue();
    }

    [Fact]
    public async Task Resume_InsideATrimmedRange_GetsTheSnapshotThenTheRest()
    {
        var prefix = RedisLogHarness.NewPrefix();
        var core = new IterationStreamingOptions { MaxEventsPerGeneration = 16 };
        var a = Start(prefix, core: core);
        var b = Start(prefix, core: core);
        var id = await CreateAsync(a);
        for (var i = 0; i < 200; i++)
        {
            await a.Log.AppendAsync(TestEvents.Progress(id, i));
        }

        await a.Log.AppendAsync(TestEvents.Completed(id));

        await using var resumed = await b.Log.SubscribeAsync(id, afterSequence: 10);
        var entries = await resumed.ReadAllAsync().ToListAsync().WithPatience();

        entries[0].Event.Replay.Should().Be(StreamingProgressEvent.SnapshotReplay);
        entries[0].Sequence.Should().BeGreaterThan(10);
        entries.Select(e => e.Sequence).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        entries[^1].Sequence.Should().Be(201);
    }

    [Fact]
    public async Task LiveReader_GetsEventsAppendedOnAnotherInstance()
    {
        var prefix = RedisLogHarness.NewPrefix();
        var a = Start(prefix);
        var b = Start(prefix);
        var id = await CreateAsync(a);
        await using var watching = await b.Log.SubscribeAsync(id);
        var reading = watching.ReadAllAsync().ToListAsync();

        for (var i = 0; i < 100; i++)
        {
            await a.Log.AppendAsync(TestEvents.Progress(id, i));
        }

        await a.Log.AppendAsync(TestEvents.Completed(id));

        (await reading.WithPatience()).Select(e => e.Sequence).Should().Equal(Enumerable.Range(1, 101).Select(i => (long)i));
    }

    [Fact]
    public async Task TailReader_AfterItsConnectionIsKilled_ReconnectsAndDeliversTheRest()
    {
        var prefix = RedisLogHarness.NewPrefix();
        var a = Start(prefix);
        var b = Start(prefix, configure: o => o.BlockTimeout = TimeSpan.FromMilliseconds(200));
        var id = await CreateAsync(a);
        await using var watching = await b.Log.SubscribeAsync(id);
        var reading = watching.ReadAllAsync().ToListAsync();
        await a.Log.AppendAsync(TestEvents.Progress(id, 0));
        await Eventually.TrueAsync(async () => (await server.ClientsAsync(b.Options.InstanceName + "-tail")).Length == 1);

        var tail = (await server.ClientsAsync(b.Options.InstanceName + "-tail")).Single();
        await server.Server.ExecuteAsync("CLIENT", "KILL", "ID", tail.Id);
        for (var i = 1; i < 20; i++)
        {
            await a.Log.AppendAsync(TestEvents.Progress(id, i));
        }

        await a.Log.AppendAsync(TestEvents.Completed(id));

        (await reading.WithPatience()).Select(e => e.Sequence).Should().Equal(Enumerable.Range(1, 21).Select(i => (long)i));
        (await server.ClientsAsync(b.Options.InstanceName + "-tail")).Single().Id.Should().NotBe(tail.Id, "the tail reader reconnected");
    }

    [Theory]
    [InlineData("has{brace")]
    [InlineData("has}brace")]
    [InlineData("control\u0001char")]
    [InlineData("line\nbreak")]
    public async Task CreateAsync_IdThatCannotBeAKey_IsRefused(string id)
    {
        var a = Start();

        await FluentActions.Awaiting(() => a.Log.CreateAsync(id).AsTask()).Should().ThrowAsync<ArgumentException>().WithParameterName("generationId");
    }

    [Fact]
    public async Task CreateAsync_IdWithALoneSurrogate_IsRefused()
    {
        // Built here, not in InlineData: test-case serialisation would replace the lone surrogate.
        var id = "lone" + (char)0xD800 + "surrogate";
        var a = Start();

        await FluentActions.Awaiting(() => a.Log.CreateAsync(id).AsTask()).Should().ThrowAsync<ArgumentException>().WithParameterName("generationId");
    }

    [Fact]
    public async Task CreateAsync_OversizedId_IsRefused()
    {
        var a = Start();

        await FluentActions.Awaiting(() => a.Log.CreateAsync(new string('x', 201)).AsTask()).Should().ThrowAsync<ArgumentException>().WithMessage("*200*");
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task CreateAsync_EmptyId_IsRefused(string id)
    {
        var a = Start();

        await FluentActions.Awaiting(() => a.Log.CreateAsync(id).AsTask()).Should().ThrowAsync<ArgumentException>();
    }

    [Fact]
    public async Task CreateAsync_NullId_ThrowsArgumentNull()
    {
        var a = Start();

        await FluentActions.Awaiting(() => a.Log.CreateAsync(null!).AsTask()).Should().ThrowAsync<ArgumentNullException>();
    }

    [Theory]
    [InlineData("x}{y")]
    [InlineData("{x}")]
    public async Task HostileIds_AreUnknownWithoutTouchingOtherGenerations(string id)
    {
        var a = Start();

        (await a.Log.ExistsAsync(id)).Should().BeFalse();
        await FluentActions.Awaiting(() => a.Log.AppendAsync(TestEvents.Progress(id, 0)).AsTask()).Should().ThrowAsync<GenerationNotFoundException>();
        await FluentActions.Awaiting(() => a.Log.SubscribeAsync(id).AsTask()).Should().ThrowAsync<GenerationNotFoundException>();
        await FluentActions.Awaiting(() => a.Log.GetLatestAsync(id).AsTask()).Should().ThrowAsync<GenerationNotFoundException>();
    }

    [Fact]
    public async Task AppendAsync_LargeEvent_RoundTripsIntact()
    {
        var a = Start();
        var id = await CreateAsync(a);
        var large = TestEvents.Progress(id, 0) with { Message = new string('é', 1_000_000) };

        await a.Log.AppendAsync(large);

        (await a.Log.GetLatestAsync(id))!.Event.Should().Be(large);
    }

    [Fact]
    public async Task AppendAsync_Cancelled_ThrowsOperationCanceled()
    {
        var a = Start();
        var id = await CreateAsync(a);

        await FluentActions.Awaiting(() => a.Log.AppendAsync(TestEvents.Progress(id, 0), new CancellationToken(canceled: true)).AsTask())
            .Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task GetLatestAsync_StreamHoldingSomethingElse_ThrowsInvalidData()
    {
        var a = Start();
        var id = await CreateAsync(a);
        await server.Database.StreamAddAsync(a.Log.Keys.Events(id), "f", "not a frame", messageId: "1-0");

        await FluentActions.Awaiting(() => a.Log.GetLatestAsync(id).AsTask()).Should().ThrowAsync<InvalidDataException>();
    }

    [Fact]
    public async Task CreateAsync_Twice_FromTwoInstances_IsRefusedOnTheSecond()
    {
        var prefix = RedisLogHarness.NewPrefix();
        var a = Start(prefix);
        var b = Start(prefix);
        var id = await CreateAsync(a);

        await FluentActions.Awaiting(() => b.Log.CreateAsync(id).AsTask()).Should().ThrowAsync<InvalidOperationException>().WithMessage("*exists*");
    }

    private RedisLogHarness Start(
        string? prefix = null,
        Action<Iteration.Streaming.StackExchangeRedis.Hosting.IterationStreamingRedisOptions>? configure = null,
        IterationStreamingOptions? core = null)
    {
        var instance = RedisLogHarness.Start(server, prefix, configure, core);
        _instances.Add(instance);
        return instance;
    }

    private static async Task<string> CreateAsync(RedisLogHarness instance)
    {
        var id = TestEvents.NewId();
        await instance.Log.CreateAsync(id);
        return id;
    }

    /// <summary>What Redis does when the retention time is up: both keys go.</summary>
    private async Task ExpireNowAsync(RedisLogHarness instance, string id) =>
        await server.Database.KeyDeleteAsync([instance.Log.Keys.Meta(id), instance.Log.Keys.Events(id)]);
}
