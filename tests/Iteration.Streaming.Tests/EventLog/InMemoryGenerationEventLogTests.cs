using System.Text;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.Tests.EventLog;

[Collection(MemoryMeasurementCollection.Name)]
public sealed class InMemoryGenerationEventLogTests : IDisposable
{
    private readonly FakeTimeProvider _clock = new(TestEvents.Epoch);
    private readonly IterationStreamingOptions _options = new() { MaxEventsPerGeneration = 100, RetainCompletedFor = TimeSpan.FromHours(1) };
    private readonly InMemoryGenerationEventLog _log;

    public InMemoryGenerationEventLogTests()
    {
        _log = new InMemoryGenerationEventLog(new StaticOptionsMonitor<IterationStreamingOptions>(_options), _clock);
    }

    public void Dispose() => _log.Dispose();

    [Fact]
    public async Task Subscribers_ShareTheSameFrameBytes()
    {
        var id = await CreateAsync();
        await using var first = await _log.SubscribeAsync(id);
        await using var second = await _log.SubscribeAsync(id);
        await _log.AppendAsync(TestEvents.Progress(id, 0));

        first.TryRead(out var a).Should().BeTrue();
        second.TryRead(out var b).Should().BeTrue();

        a.Should().BeSameAs(b);
    }

    [Fact]
    public async Task TryRead_DeliversWithoutAllocating()
    {
        var id = await CreateAsync();
        for (var i = 0; i < 50; i++)
        {
            await _log.AppendAsync(TestEvents.Progress(id, i));
        }

        await using var subscription = await _log.SubscribeAsync(id);
        subscription.TryRead(out _).Should().BeTrue();

        var before = GC.GetAllocatedBytesForCurrentThread();
        var read = 0;
        while (subscription.TryRead(out _))
        {
            read++;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        read.Should().Be(49);
        allocated.Should().Be(0);
    }

    [Fact]
    public async Task SlowSubscriber_WhileHundredThousandEventsAreAppended_AppenderFinishesAndMemoryStaysBounded()
    {
        _options.MaxEventsPerGeneration = 1_000;
        var id = await CreateAsync();
        await _log.AppendAsync(TestEvents.Stage(id, GenerationStages.Initializing));
        await using var stalled = await _log.SubscribeAsync(id);
        stalled.TryRead(out _).Should().BeTrue();
        GC.Collect();
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);

        for (var i = 0; i < 100_000; i++)
        {
            await _log.AppendAsync(TestEvents.Progress(id, i));
        }

        var heapAfter = GC.GetTotalMemory(forceFullCollection: true);
        _log.RetainedCount(id).Should().BeLessThanOrEqualTo(1_000);
        (heapAfter - heapBefore).Should().BeLessThan(8 * 1024 * 1024, "100,000 frames would take about 40 MB if nothing were dropped");
        GC.KeepAlive(stalled);
    }

    [Fact]
    public async Task SubscriberThatFellBehindRetention_GetsOneSnapshotThenContinuesWithoutGap()
    {
        var id = await CreateAsync();
        await _log.AppendAsync(TestEvents.Stage(id, GenerationStages.Initializing));
        await _log.AppendAsync(TestEvents.Stage(id, GenerationStages.PhaseStarted(1)));
        await using var behind = await _log.SubscribeAsync(id);
        behind.TryRead(out _).Should().BeTrue();
        behind.TryRead(out _).Should().BeTrue();
        for (var i = 0; i < 500; i++)
        {
            await _log.AppendAsync(TestEvents.Progress(id, i));
        }

        await _log.AppendAsync(TestEvents.Stage(id, GenerationStages.PhaseComplete(1), 0.9));
        await _log.AppendAsync(TestEvents.Completed(id));

        var entries = await behind.ReadAllAsync().ToListAsync().WithPatience();

        var snapshots = entries.Select((e, i) => (Entry: e, Index: i)).Where(x => x.Entry.Event.Replay is not null).ToList();
        snapshots.Should().ContainSingle();
        var (snapshot, at) = snapshots[0];
        snapshot.Event.Replay.Should().Be(StreamingProgressEvent.SnapshotReplay);
        snapshot.Sequence.Should().Be(entries[at + 1].Sequence - 1, "the snapshot stands for the last dropped tick, so ids stay contiguous");
        entries.Select(e => e.Sequence).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        entries[^1].IsTerminal.Should().BeTrue();
        Encoding.UTF8.GetString(snapshot.Frame.Span).Should().Contain("\"replay\":\"snapshot\"");
    }

    [Fact]
    public async Task Retention_KeepsStageChangesWarningsAndTerminal()
    {
        var id = await CreateAsync();
        await _log.AppendAsync(TestEvents.Stage(id, GenerationStages.Initializing));
        for (var phase = 1; phase <= 3; phase++)
        {
            await _log.AppendAsync(TestEvents.Stage(id, GenerationStages.PhaseStarted(phase)));
            for (var i = 0; i < 200; i++)
            {
                await _log.AppendAsync(TestEvents.Progress(id, i, GenerationStages.PhaseProgress(phase)));
            }

            await _log.AppendAsync(TestEvents.Stage(id, GenerationStages.PhaseComplete(phase)));
        }

        await _log.AppendAsync(TestEvents.Stage(id, GenerationStages.Validation) with { WarningType = WarningTypes.DataLossDetection });
        await _log.AppendAsync(TestEvents.Completed(id));

        await using var replay = await _log.SubscribeAsync(id);
        var stages = (await replay.ReadAllAsync().ToListAsync().WithPatience())
            .Where(e => e.Event.Replay is null)
            .Select(e => e.Event.Stage)
            .ToList();

        stages.Should().ContainInOrder(
            GenerationStages.Initializing,
            GenerationStages.PhaseStarted(1), GenerationStages.PhaseComplete(1),
            GenerationStages.PhaseStarted(2), GenerationStages.PhaseComplete(2),
            GenerationStages.PhaseStarted(3), GenerationStages.PhaseComplete(3),
            GenerationStages.Validation, GenerationStages.Completed);
        _log.RetainedCount(id).Should().BeLessThanOrEqualTo(100);
    }

    [Fact]
    public async Task Resume_InsideADroppedRange_GetsTheSnapshotThenTheRest()
    {
        var id = await CreateAsync();
        await _log.AppendAsync(TestEvents.Stage(id, GenerationStages.Initializing));
        for (var i = 0; i < 300; i++)
        {
            await _log.AppendAsync(TestEvents.Progress(id, i));
        }

        await _log.AppendAsync(TestEvents.Completed(id));

        await using var resumed = await _log.SubscribeAsync(id, afterSequence: 10);
        var entries = await resumed.ReadAllAsync().ToListAsync().WithPatience();

        entries[0].Event.Replay.Should().Be(StreamingProgressEvent.SnapshotReplay);
        entries[0].Sequence.Should().BeGreaterThan(10);
        entries.Select(e => e.Sequence).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        entries[^1].Sequence.Should().Be(302);
    }

    [Fact]
    public async Task DeleteAsync_RemovesTheLog_AndAFurtherDeleteFindsNothing()
    {
        var id = await CreateAsync();
        await _log.AppendAsync(TestEvents.Completed(id));

        (await _log.DeleteAsync(id)).Should().BeTrue();

        (await _log.ExistsAsync(id)).Should().BeFalse();
        (await _log.DeleteAsync(id)).Should().BeFalse();
        await FluentActions.Awaiting(() => _log.AppendAsync(TestEvents.Progress(id, 1)).AsTask())
            .Should().ThrowAsync<GenerationNotFoundException>();
        await FluentActions.Awaiting(() => _log.SubscribeAsync(id).AsTask())
            .Should().ThrowAsync<GenerationNotFoundException>();
    }

    [Fact]
    public async Task CompletedGeneration_IsKeptUntilRetentionDeletesIt()
    {
        var id = await CreateAsync();
        await _log.AppendAsync(TestEvents.Completed(id));

        _clock.Advance(TimeSpan.FromDays(30));

        (await _log.ExistsAsync(id)).Should().BeTrue("retention, not the log, decides when a generation goes");
    }

    [Fact]
    public async Task RunningGeneration_IsNeverRemovedByTime()
    {
        var id = await CreateAsync();
        await _log.AppendAsync(TestEvents.Progress(id, 0));

        _clock.Advance(TimeSpan.FromDays(2));

        (await _log.ExistsAsync(id)).Should().BeTrue();
    }

    [Fact]
    public async Task SubscriberReadingWhenRetentionRemovesTheLog_StillFinishes()
    {
        var id = await CreateAsync();
        await _log.AppendAsync(TestEvents.Progress(id, 0));
        await _log.AppendAsync(TestEvents.Completed(id));
        await using var subscription = await _log.SubscribeAsync(id);

        _clock.Advance(TimeSpan.FromHours(2));

        (await subscription.ReadAllAsync().ToListAsync().WithPatience()).Should().HaveCount(2);
    }

    [Fact]
    public async Task WaitToReadAsync_WithoutToken_CompletesWhenAnEntryIsAppended()
    {
        var id = await CreateAsync();
        await using var subscription = await _log.SubscribeAsync(id);
        var wait = subscription.WaitToReadAsync();
        wait.IsCompleted.Should().BeFalse();

        await _log.AppendAsync(TestEvents.Progress(id, 0));

        (await wait.WithPatience()).Should().BeTrue();
    }

    [Fact]
    public async Task WaitToReadAsync_WithoutToken_WaitingAllocatesNothing()
    {
        var id = await CreateAsync();
        await using var subscription = await _log.SubscribeAsync(id);
        var first = subscription.WaitToReadAsync().AsTask();
        var pending = 0;

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 1; i < ReaderWakeUps.BatchSize; i++)
        {
            pending += IsPending(subscription.WaitToReadAsync()) ? 1 : 0;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        pending.Should().Be(ReaderWakeUps.BatchSize - 1);
        allocated.Should().Be(0, "the waiters of a batch share its one signal");
        first.IsCompleted.Should().BeFalse();
    }

    [Fact]
    public async Task WaitToReadAsync_ManyWaiters_OneSignalPerBatch()
    {
        var id = await CreateAsync();
        await using var subscription = await _log.SubscribeAsync(id);
        const int Waiters = 10 * ReaderWakeUps.BatchSize;
        var waits = new HashSet<Task<bool>>();

        for (var i = 0; i < Waiters; i++)
        {
            waits.Add(subscription.WaitToReadAsync().AsTask());
        }

        waits.Should().HaveCount(10, "a signal is shared by a batch of waiters, so there are as many as batches");
    }

    [Fact]
    public async Task AppendAsync_EventOfAnotherGenerationCannotReachThisLog()
    {
        var id = await CreateAsync();

        var other = TestEvents.NewId();
        await FluentActions.Awaiting(() => _log.AppendAsync(TestEvents.Progress(other, 0)).AsTask())
            .Should().ThrowAsync<GenerationNotFoundException>();
        (await _log.GetLatestAsync(id)).Should().BeNull();
    }

    private async Task<string> CreateAsync()
    {
        var id = TestEvents.NewId();
        await _log.CreateAsync(id);
        return id;
    }

    private static bool IsPending(ValueTask<bool> wait) => !wait.IsCompleted;
}
