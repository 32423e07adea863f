using System.Text;
using FluentAssertions;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Xunit;

namespace Iteration.Streaming.TestUtilities;

/// <summary>
/// The behaviour every <see cref="IGenerationEventLog"/> implementation must show. Derive once per implementation.
/// </summary>
public abstract class GenerationEventLogContractTests
{
    /// <summary>Creates the log under test; every call may return the same shared instance.</summary>
    protected abstract Task<IGenerationEventLog> CreateLogAsync();

    private async Task<(IGenerationEventLog Log, string Id)> NewGenerationAsync()
    {
        var log = await CreateLogAsync();
        var id = TestEvents.NewId();
        await log.CreateAsync(id);
        return (log, id);
    }

    [Fact]
    public async Task AppendAsync_AssignsConsecutiveSequenceNumbersFromOne()
    {
        var (log, id) = await NewGenerationAsync();

        var sequences = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            sequences.Add((await log.AppendAsync(TestEvents.Progress(id, i))).Sequence);
        }

        sequences.Should().Equal(1, 2, 3, 4, 5);
    }

    [Fact]
    public async Task AppendAsync_SerialisesOnceIntoAnSseFrame()
    {
        var (log, id) = await NewGenerationAsync();
        var progressEvent = TestEvents.Stage(id, GenerationStages.Initializing);

        var entry = await log.AppendAsync(progressEvent);

        var frame = Encoding.UTF8.GetString(entry.Frame.Span);
        frame.Should().StartWith("id: 1\ndata: {\"generation_id\":\"" + id + "\"");
        frame.Should().EndWith("}\n\n");
        frame.Count(c => c == '\n').Should().Be(3, "a frame is one id line, one data line and a blank line");
        entry.Event.Should().Be(progressEvent, "appending stamps nothing but the sequence number");
    }

    [Fact]
    public async Task AppendAsync_DoesNotChangeTheEvent()
    {
        var (log, id) = await NewGenerationAsync();
        var progressEvent = TestEvents.Progress(id, 7);

        var entry = await log.AppendAsync(progressEvent);

        entry.Event.Should().BeEquivalentTo(progressEvent);
        EventLogEntry.FromFrame(entry.Frame).Event.Should().BeEquivalentTo(progressEvent);
    }

    [Fact]
    public async Task SubscribeAsync_FromZero_ReplaysTheWholeHistoryThenLiveUntilTerminal()
    {
        var (log, id) = await NewGenerationAsync();
        for (var i = 0; i < 3; i++)
        {
            await log.AppendAsync(TestEvents.Progress(id, i));
        }

        await using var subscription = await log.SubscribeAsync(id);
        var reading = subscription.ReadAllAsync().ToListAsync();
        await log.AppendAsync(TestEvents.Progress(id, 3));
        await log.AppendAsync(TestEvents.Completed(id));

        var entries = await reading.WithPatience();

        entries.Select(e => e.Sequence).Should().Equal(1, 2, 3, 4, 5);
        entries[^1].IsTerminal.Should().BeTrue();
    }

    [Fact]
    public async Task SubscribeAsync_AfterN_StartsStrictlyAfterN()
    {
        var (log, id) = await NewGenerationAsync();
        for (var i = 0; i < 9; i++)
        {
            await log.AppendAsync(TestEvents.Progress(id, i));
        }

        await log.AppendAsync(TestEvents.Completed(id));

        await using var subscription = await log.SubscribeAsync(id, afterSequence: 4);
        var entries = await subscription.ReadAllAsync().ToListAsync().WithPatience();

        entries.Select(e => e.Sequence).Should().Equal(5, 6, 7, 8, 9, 10);
    }

    [Fact]
    public async Task SubscribeAsync_DuringConcurrentAppends_HasNoGapAndNoDuplicate()
    {
        var (log, id) = await NewGenerationAsync();
        const int total = 2_000;
        var random = new Random(1234);
        var appender = Task.Run(async () =>
        {
            for (var i = 0; i < total - 1; i++)
            {
                await log.AppendAsync(TestEvents.Progress(id, i));
            }

            await log.AppendAsync(TestEvents.Completed(id));
        });

        var readers = new List<Task<(long Start, List<long> Sequences)>>();
        for (var r = 0; r < 20; r++)
        {
            var latest = await log.GetLatestAsync(id);
            var start = latest is null ? 0 : random.NextInt64(0, latest.Sequence + 1);
            readers.Add(Task.Run(async () =>
            {
                await using var subscription = await log.SubscribeAsync(id, start);
                var sequences = new List<long>();
                await foreach (var entry in subscription.ReadAllAsync())
                {
                    sequences.Add(entry.Sequence);
                }

                return (start, sequences);
            }));
        }

        await appender.WithPatience();
        foreach (var (start, sequences) in await Task.WhenAll(readers).WithPatience())
        {
            sequences.Should().Equal(Enumerable.Range((int)start + 1, total - (int)start).Select(i => (long)i));
        }
    }

    [Fact]
    public async Task SubscribeAsync_ThousandConcurrentSubscribers_AllReceiveIdenticalSequences()
    {
        var (log, id) = await NewGenerationAsync();
        const int subscribers = 1_000;
        const int events = 200;

        var subscriptions = new List<EventLogSubscription>();
        for (var s = 0; s < subscribers; s++)
        {
            subscriptions.Add(await log.SubscribeAsync(id));
        }

        var readers = subscriptions.Select(s => Task.Run(async () =>
        {
            var frames = new List<(long, ReadOnlyMemory<byte>)>();
            await foreach (var entry in s.ReadAllAsync())
            {
                frames.Add((entry.Sequence, entry.Frame));
            }

            return frames;
        })).ToList();

        for (var i = 0; i < events - 1; i++)
        {
            await log.AppendAsync(TestEvents.Progress(id, i));
        }

        await log.AppendAsync(TestEvents.Completed(id));

        var results = await Task.WhenAll(readers).WithPatience();
        var expected = results[0];
        expected.Select(f => f.Item1).Should().Equal(Enumerable.Range(1, events).Select(i => (long)i));
        foreach (var result in results)
        {
            result.Select(f => f.Item1).Should().Equal(expected.Select(f => f.Item1));
            result.Select(f => Encoding.UTF8.GetString(f.Item2.Span)).Should().Equal(expected.Select(f => Encoding.UTF8.GetString(f.Item2.Span)));
        }

        foreach (var subscription in subscriptions)
        {
            await subscription.DisposeAsync();
        }
    }

    [Fact]
    public async Task SubscribeAsync_AtOrAfterTerminal_IsAlreadyCompleteAndYieldsNothing()
    {
        var (log, id) = await NewGenerationAsync();
        await log.AppendAsync(TestEvents.Progress(id, 0));
        var terminal = await log.AppendAsync(TestEvents.Failed(id));

        await using var atTerminal = await log.SubscribeAsync(id, terminal.Sequence);
        await using var pastTerminal = await log.SubscribeAsync(id, terminal.Sequence + 10);

        atTerminal.IsAlreadyComplete.Should().BeTrue();
        pastTerminal.IsAlreadyComplete.Should().BeTrue();
        (await atTerminal.ReadAllAsync().ToListAsync().WithPatience()).Should().BeEmpty();
        (await atTerminal.WaitToReadAsync()).Should().BeFalse();
    }

    [Fact]
    public async Task SubscribeAsync_BeforeTerminal_IsNotAlreadyComplete()
    {
        var (log, id) = await NewGenerationAsync();
        await log.AppendAsync(TestEvents.Progress(id, 0));
        var terminal = await log.AppendAsync(TestEvents.Completed(id));

        await using var subscription = await log.SubscribeAsync(id, terminal.Sequence - 1);

        subscription.IsAlreadyComplete.Should().BeFalse();
        var entries = await subscription.ReadAllAsync().ToListAsync().WithPatience();
        entries.Should().ContainSingle().Which.Sequence.Should().Be(terminal.Sequence);
    }

    [Fact]
    public async Task WaitToReadAsync_Cancelled_ThrowsOperationCanceled()
    {
        var (log, id) = await NewGenerationAsync();
        await using var subscription = await log.SubscribeAsync(id);
        using var cts = new CancellationTokenSource();

        var wait = subscription.WaitToReadAsync(cts.Token).AsTask();
        await cts.CancelAsync();

        await FluentActions.Awaiting(() => wait.WithPatience()).Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task GetLatestAsync_ReturnsTheLastEntryOrNull()
    {
        var (log, id) = await NewGenerationAsync();

        (await log.GetLatestAsync(id)).Should().BeNull();
        await log.AppendAsync(TestEvents.Progress(id, 0));
        var last = await log.AppendAsync(TestEvents.Progress(id, 1));

        (await log.GetLatestAsync(id))!.Sequence.Should().Be(last.Sequence);
    }

    [Fact]
    public async Task ExistsAsync_TellsCreatedFromUnknown()
    {
        var (log, id) = await NewGenerationAsync();

        (await log.ExistsAsync(id)).Should().BeTrue();
        (await log.ExistsAsync(TestEvents.NewId())).Should().BeFalse();
    }

    [Fact]
    public async Task CreateAsync_Twice_IsRefused()
    {
        var (log, id) = await NewGenerationAsync();

        await FluentActions.Awaiting(() => log.CreateAsync(id).AsTask())
            .Should().ThrowAsync<InvalidOperationException>().WithMessage($"*{id}*exists*");
    }

    [Fact]
    public async Task AppendAsync_AfterTerminal_IsRefused()
    {
        var (log, id) = await NewGenerationAsync();
        await log.AppendAsync(TestEvents.Completed(id));

        await FluentActions.Awaiting(() => log.AppendAsync(TestEvents.Progress(id, 1)).AsTask())
            .Should().ThrowAsync<InvalidOperationException>().WithMessage("*terminal*");
    }

    [Fact]
    public async Task AppendAsync_UnknownGeneration_ThrowsGenerationNotFound()
    {
        var log = await CreateLogAsync();
        var id = TestEvents.NewId();

        var thrown = await FluentActions.Awaiting(() => log.AppendAsync(TestEvents.Progress(id, 0)).AsTask())
            .Should().ThrowAsync<GenerationNotFoundException>();
        thrown.Which.GenerationId.Should().Be(id);
    }

    [Fact]
    public async Task AppendAsync_WithReplayMarker_IsRefused()
    {
        var (log, id) = await NewGenerationAsync();

        await FluentActions.Awaiting(() => log.AppendAsync(TestEvents.Progress(id, 0) with { Replay = "snapshot" }).AsTask())
            .Should().ThrowAsync<ArgumentException>().WithMessage("*replay*");
    }

    [Fact]
    public async Task AppendAsync_Null_ThrowsArgumentNull()
    {
        var log = await CreateLogAsync();

        await FluentActions.Awaiting(() => log.AppendAsync(null!).AsTask()).Should().ThrowAsync<ArgumentNullException>();
    }

    [Fact]
    public async Task SubscribeAsync_NegativeSequence_ThrowsArgumentOutOfRange()
    {
        var (log, id) = await NewGenerationAsync();

        await FluentActions.Awaiting(() => log.SubscribeAsync(id, -1).AsTask()).Should().ThrowAsync<ArgumentOutOfRangeException>();
    }

    [Fact]
    public async Task SubscribeAsync_AheadOfTheLog_ThrowsArgumentOutOfRange()
    {
        var (log, id) = await NewGenerationAsync();
        await log.AppendAsync(TestEvents.Progress(id, 0));

        await FluentActions.Awaiting(() => log.SubscribeAsync(id, 5).AsTask())
            .Should().ThrowAsync<ArgumentOutOfRangeException>().WithMessage("*ahead*");
    }

    [Fact]
    public async Task SubscribeAsync_UnknownGeneration_ThrowsGenerationNotFound()
    {
        var log = await CreateLogAsync();

        await FluentActions.Awaiting(() => log.SubscribeAsync(TestEvents.NewId()).AsTask())
            .Should().ThrowAsync<GenerationNotFoundException>();
    }

    [Fact]
    public async Task Subscription_DisposedEarly_DoesNotAffectAppendsOrOtherReaders()
    {
        var (log, id) = await NewGenerationAsync();
        var early = await log.SubscribeAsync(id);
        await using var other = await log.SubscribeAsync(id);
        await early.DisposeAsync();

        await log.AppendAsync(TestEvents.Progress(id, 0));
        await log.AppendAsync(TestEvents.Completed(id));

        (await other.ReadAllAsync().ToListAsync().WithPatience()).Should().HaveCount(2);
    }

    [Fact]
    public async Task DeleteAsync_WithAReaderWaiting_EndsTheReaderAfterWhatItHadNotRead()
    {
        var (log, id) = await NewGenerationAsync();
        await log.AppendAsync(TestEvents.Progress(id, 0));
        await using var reader = await log.SubscribeAsync(id);
        await using var idle = await log.SubscribeAsync(id, afterSequence: 1);
        var waiting = idle.WaitToReadAsync().AsTask();

        (await log.DeleteAsync(id)).Should().BeTrue();

        // A deleted generation's readers end instead of waiting for events that never come (a stream of it closes).
        (await waiting.WithPatience() && idle.TryRead(out _)).Should().BeFalse();
        (await idle.WaitToReadAsync().AsTask().WithPatience()).Should().BeFalse();
        (await reader.ReadAllAsync().ToListAsync().WithPatience()).Count.Should().BeLessThanOrEqualTo(1);
    }
}
