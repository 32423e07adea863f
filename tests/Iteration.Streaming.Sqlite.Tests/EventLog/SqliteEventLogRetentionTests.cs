using System.Text;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Sqlite.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.Sqlite.Tests.EventLog;

/// <summary>
/// <c>MaxEventsPerGeneration</c> as the in-memory log applies it: the oldest progress ticks go first, stage changes,
/// warnings and the terminal event stay, and a reader that fell into a gap first gets one <c>replay: snapshot</c> event.
/// </summary>
public sealed class SqliteEventLogRetentionTests : IDisposable
{
    private const int MaxEvents = 100;
    private readonly StoreHarness _harness = new(
        o =>
        {
            o.LiveWindowSize = 16;
            o.FlushCommitsToDisk = false;
        },
        new IterationStreamingOptions { MaxEventsPerGeneration = MaxEvents });

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task StoredRows_StayWithinTheLimit()
    {
        var id = await CreateAsync();
        await _harness.Log.AppendAsync(TestEvents.Stage(id, GenerationStages.Initializing));
        for (var i = 0; i < 1_000; i++)
        {
            await _harness.Log.AppendAsync(TestEvents.Progress(id, i));
        }

        StoredRows(id).Should().Be(MaxEvents);
    }

    [Fact]
    public async Task StoredRows_StayWithinTheLimitAcrossARestart()
    {
        var id = await CreateAsync();
        await _harness.Log.AppendAsync(TestEvents.Stage(id, GenerationStages.Initializing));
        for (var i = 0; i < 150; i++)
        {
            await _harness.Log.AppendAsync(TestEvents.Progress(id, i));
        }

        _harness.Reopen();
        for (var i = 150; i < 300; i++)
        {
            await _harness.Log.AppendAsync(TestEvents.Progress(id, i));
        }

        StoredRows(id).Should().Be(MaxEvents);
        (await _harness.Log.GetLatestAsync(id))!.Sequence.Should().Be(301);
    }

    [Fact]
    public async Task SubscriberThatFellBehindRetention_GetsOneSnapshotThenContinuesWithoutGap()
    {
        var id = await CreateAsync();
        await _harness.Log.AppendAsync(TestEvents.Stage(id, GenerationStages.Initializing));
        await _harness.Log.AppendAsync(TestEvents.Stage(id, GenerationStages.PhaseStarted(1)));
        await using var behind = await _harness.Log.SubscribeAsync(id);
        (await behind.TakeAsync(2)).Should().HaveCount(2);
        for (var i = 0; i < 500; i++)
        {
            await _harness.Log.AppendAsync(TestEvents.Progress(id, i));
        }

        await _harness.Log.AppendAsync(TestEvents.Stage(id, GenerationStages.PhaseComplete(1), 0.9));
        await _harness.Log.AppendAsync(TestEvents.Completed(id));

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
        await _harness.Log.AppendAsync(TestEvents.Stage(id, GenerationStages.Initializing));
        for (var phase = 1; phase <= 3; phase++)
        {
            await _harness.Log.AppendAsync(TestEvents.Stage(id, GenerationStages.PhaseStarted(phase)));
            for (var i = 0; i < 200; i++)
            {
                await _harness.Log.AppendAsync(TestEvents.Progress(id, i, GenerationStages.PhaseProgress(phase)));
            }

            await _harness.Log.AppendAsync(TestEvents.Stage(id, GenerationStages.PhaseComplete(phase)));
        }

        await _harness.Log.AppendAsync(TestEvents.Stage(id, GenerationStages.Validation) with { WarningType = WarningTypes.DataLossDetection });
        await _harness.Log.AppendAsync(TestEvents.Completed(id));

        _harness.Reopen();
        await using var replay = await _harness.Log.SubscribeAsync(id);
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
        StoredRows(id).Should().BeLessThanOrEqualTo(MaxEvents);
    }

    [Fact]
    public async Task Resume_InsideADroppedRange_GetsTheSnapshotThenTheRest()
    {
        var id = await CreateAsync();
        await _harness.Log.AppendAsync(TestEvents.Stage(id, GenerationStages.Initializing));
        for (var i = 0; i < 300; i++)
        {
            await _harness.Log.AppendAsync(TestEvents.Progress(id, i));
        }

        await _harness.Log.AppendAsync(TestEvents.Completed(id));

        await using var resumed = await _harness.Log.SubscribeAsync(id, afterSequence: 10);
        var entries = await resumed.ReadAllAsync().ToListAsync().WithPatience();

        entries[0].Event.Replay.Should().Be(StreamingProgressEvent.SnapshotReplay);
        entries[0].Sequence.Should().BeGreaterThan(10);
        entries.Select(e => e.Sequence).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        entries[^1].Sequence.Should().Be(302);
    }

    [Fact]
    public async Task Replay_MatchesTheInMemoryLog_FromEveryStartingPoint()
    {
        var services = new ServiceCollection();
        services.AddIterationStreaming(o => o.MaxEventsPerGeneration = MaxEvents);
        await using var provider = services.BuildServiceProvider();
        var inMemory = provider.GetRequiredService<IGenerationEventLog>();
        var id = TestEvents.NewId();
        await inMemory.CreateAsync(id);
        await _harness.Log.CreateAsync(id);
        foreach (var progressEvent in MixedRun(id))
        {
            await inMemory.AppendAsync(progressEvent);
            await _harness.Log.AppendAsync(progressEvent);
        }

        for (var start = 0; start <= 420; start += 7)
        {
            var expected = await ReplayAsync(inMemory, id, start);
            var actual = await ReplayAsync(_harness.Log, id, start);
            actual.Should().Equal(expected, $"a reader starting after {start} reads the same in both logs");
        }
    }

    private static IEnumerable<StreamingProgressEvent> MixedRun(string id)
    {
        yield return TestEvents.Stage(id, GenerationStages.Initializing);
        for (var phase = 1; phase <= 4; phase++)
        {
            yield return TestEvents.Stage(id, GenerationStages.PhaseStarted(phase));
            for (var i = 0; i < 90 + (phase * 7); i++)
            {
                yield return TestEvents.Progress(id, i, GenerationStages.PhaseProgress(phase));
            }

            yield return TestEvents.Stage(id, GenerationStages.PhaseComplete(phase));
        }

        yield return TestEvents.Stage(id, GenerationStages.Validation) with { WarningType = WarningTypes.DataLossDetection };
        yield return TestEvents.Completed(id);
    }

    private static async Task<List<string>> ReplayAsync(IGenerationEventLog log, string id, long after)
    {
        var latest = await log.GetLatestAsync(id);
        await using var subscription = await log.SubscribeAsync(id, Math.Min(after, latest!.Sequence));
        return await subscription.ReadAllAsync().Select(e => $"{e.Sequence} {e.Event.Replay} {Encoding.UTF8.GetString(e.Frame.Span)}").ToListAsync().WithPatience();
    }

    private long StoredRows(string id) =>
        _harness.Scalar($"SELECT count(*) FROM events JOIN logs USING (log_id) WHERE generation_id = '{id}'");

    private async Task<string> CreateAsync()
    {
        var id = TestEvents.NewId();
        await _harness.Log.CreateAsync(id);
        return id;
    }
}
