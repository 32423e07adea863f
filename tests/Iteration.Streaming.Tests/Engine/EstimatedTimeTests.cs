using Iteration.Streaming.Engine;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Runs;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Tests.Engine;

/// <summary>
/// The ETA on the fake clock: every file takes one second, and the default plan's phases are as large as the files they
/// produce, so the honest estimate at the start of a phase is the number of files still to come, in seconds.
/// </summary>
public sealed class EstimatedTimeTests
{
    private readonly SharedStores _stores = new();

    private static void OneSecondPerFile(EngineHarness harness) =>
        harness.Generator.BeforeFile = (_, _, _) =>
        {
            harness.Clock.Advance(TimeSpan.FromSeconds(1));
            return Task.CompletedTask;
        };

    /// <summary>Planned file count of the phases from <paramref name="phase"/> (1-based) to the end: the seconds they take here.</summary>
    private static double PlannedFrom(IReadOnlyList<PlannedPhase> plan, int phase) =>
        plan.Where(p => p.Number >= phase).Sum(p => (double)Math.Max(1, p.EstimatedFileCount));

    [Fact]
    public async Task WhileRunning_TheEstimateFallsAsPhasesComplete_AndAFinishedRunHasNone()
    {
        await using var harness = EngineHarness.Create();
        OneSecondPerFile(harness);

        var id = await harness.Engine.StartAsync(new GenerationRequest("x", ["User"]));
        var events = await harness.ReadToEndAsync(id);

        var withEstimate = events.Where(e => e.EstimatedTimeRemaining is not null).ToArray();
        withEstimate.Should().NotBeEmpty();
        withEstimate.Should().OnlyContain(e => e.EstimatedTimeRemaining >= 0 && e.Status == GenerationStatus.Processing);
        events.Single(e => e.Stage == "phase_4_complete").EstimatedTimeRemaining.Should().BeLessThan(events.Single(e => e.Stage == "phase_1_complete").EstimatedTimeRemaining!.Value);
        events[^1].EstimatedTimeRemaining.Should().BeNull("a finished run has nothing left");
    }

    [Fact]
    public async Task AtEachPhaseStart_WithAKnownPace_TheEstimateIsThePlannedSizeStillToRun()
    {
        await using var harness = EngineHarness.Create();
        OneSecondPerFile(harness);
        await harness.ReadToEndAsync(await harness.Engine.StartAsync(new GenerationRequest("x", ["User"])));

        var id = await harness.Engine.StartAsync(new GenerationRequest("x", ["User", "Task"]));
        var events = await harness.ReadToEndAsync(id);
        var plan = (await harness.Engine.GetRecordAsync(id))!.Plan!;

        foreach (var phase in plan)
        {
            events.Single(e => e.Stage == GenerationStages.PhaseStarted(phase.Number)).EstimatedTimeRemaining
                .Should().Be(PlannedFrom(plan, phase.Number), $"phase {phase.Number} starts with its own and the later phases' files to write at 1 s each");
        }
    }

    [Fact]
    public async Task BeforeThePlan_ThereIsNoEstimate_SoItCannotJumpUpAtThePlanEvent()
    {
        await using var harness = EngineHarness.Create();
        OneSecondPerFile(harness);
        await harness.ReadToEndAsync(await harness.Engine.StartAsync(new GenerationRequest("x", ["User"])));

        // A larger run than the one before: an estimate from the earlier run's length would rise at the plan.
        var id = await harness.Engine.StartAsync(new GenerationRequest("x", ["User", "Task", "Project"]));
        var events = await harness.ReadToEndAsync(id);

        events.Single(e => e.Stage == GenerationStages.Initializing).EstimatedTimeRemaining.Should().BeNull();
        events.Single(e => e.Stage == GenerationStages.CodeGeneration).EstimatedTimeRemaining.Should().BeNull();
        var estimates = events.Where(e => e.EstimatedTimeRemaining is not null).Select(e => e.EstimatedTimeRemaining!.Value).ToArray();
        estimates.Should().BeInDescendingOrder("at a steady pace the time left never grows");
        events.Single(e => e.Stage == GenerationStages.PhasedGenerationStarted).EstimatedTimeRemaining
            .Should().Be(PlannedFrom((await harness.Engine.GetRecordAsync(id))!.Plan!, 1));
    }

    [Fact]
    public async Task FirstRunOfAProcess_HasNoEstimateUntilItsFirstFile_ThenOneFromItsOwnPace()
    {
        await using var harness = EngineHarness.Create();
        OneSecondPerFile(harness);

        var id = await harness.Engine.StartAsync(new GenerationRequest("x", ["User"]));
        var events = await harness.ReadToEndAsync(id);

        events.TakeWhile(e => e.Stage != GenerationStages.PhaseProgress(1)).Should().OnlyContain(e => e.EstimatedTimeRemaining == null);
        events.First(e => e.Stage == GenerationStages.PhaseProgress(1)).EstimatedTimeRemaining.Should().NotBeNull();
    }

    [Fact]
    public async Task AfterAResume_TheEstimateComesFromThePhasesStillToRun_NotFromTimeSinceTheRestart()
    {
        string id;
        await using (var before = EngineHarness.Create(build: _stores.Register))
        {
            var gate = before.Generator.StopAt(3, fileIndex: 1);
            var stop = before.Generator.BeforeFile!;
            before.Generator.BeforeFile = (context, index, token) =>
            {
                before.Clock.Advance(TimeSpan.FromSeconds(1));
                return stop(context, index, token);
            };
            id = await before.Engine.StartAsync(new GenerationRequest("Build a todo app", ["User", "Task", "Project"]));
            await gate.Reached.WithPatience();
            await ((IAsyncDisposable)before.Engine).DisposeAsync().AsTask().WithPatience();
        }

        // A new process: no history of earlier runs, a clock that starts again.
        await using var after = EngineHarness.Create(build: _stores.Register);
        OneSecondPerFile(after);
        await after.Internal.Recovery.ResumeInterruptedAsync(CancellationToken.None);
        var entries = await ReadEntriesAsync(id);
        var plan = (await _stores.Records.GetAsync(id))!.Plan!;

        var resumed = entries.Single(e => e.Stage == GenerationStages.Resumed);
        resumed.EstimatedTimeRemaining.Should().Be(PlannedFrom(plan, 3), "phases 3 to 6 are still to run, at the pace phases 1 and 2 took");
        entries.Single(e => e.Stage == GenerationStages.PhaseStarted(4)).EstimatedTimeRemaining.Should().Be(PlannedFrom(plan, 4));
        entries.SkipWhile(e => e.Stage != GenerationStages.Resumed).Where(e => e.EstimatedTimeRemaining is not null)
            .Select(e => e.EstimatedTimeRemaining!.Value).Should().BeInDescendingOrder();
    }

    [Fact]
    public async Task AfterARetry_TheEstimateComesFromTheOldGenerationsPhaseTimes()
    {
        await using var harness = EngineHarness.Create();
        OneSecondPerFile(harness);
        var failing = true;
        var inner = harness.Generator.Files;
        harness.Generator.Files = context => failing && context.Phase.Number == 4 ? throw new GenerationFailedException("The model is overloaded.") : inner(context);
        var failed = await harness.Engine.StartAsync(new GenerationRequest("x", ["User", "Task", "Project"]));
        (await harness.ReadToEndAsync(failed))[^1].Status.Should().Be(GenerationStatus.Failed);
        failing = false;

        // Nothing measured in this process yet either: the failed run ended without completing.
        var id = await harness.Engine.RetryAsync(new RetryRequest(failed));
        var events = await harness.ReadToEndAsync(id);
        var plan = (await harness.Engine.GetRecordAsync(id))!.Plan!;

        events.Single(e => e.Stage == GenerationStages.Resumed).EstimatedTimeRemaining.Should().Be(PlannedFrom(plan, 4));
        events.Single(e => e.Stage == GenerationStages.PhaseStarted(5)).EstimatedTimeRemaining.Should().Be(PlannedFrom(plan, 5));
    }

    [Fact]
    public void Remaining_WithinAPhase_BlendsThePlannedTimeLeftWithThePhasesOwnFilePace()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(TestEvents.Epoch);
        var plan = new[] { Phase(1, files: 4), Phase(2, files: 6) };
        var estimate = new RunEstimate(plan, phasesSaved: 0, new Dictionary<int, TimeSpan> { [1] = TimeSpan.FromSeconds(8) }, historicPace: null);
        estimate.PhaseCompleted(0, TimeSpan.FromSeconds(8));

        estimate.PhaseStarted(1, clock.GetTimestamp());
        var atStart = estimate.Remaining(clock);
        clock.Advance(TimeSpan.FromSeconds(6));
        estimate.PhaseProgressed(1, files: 1, estimatedFiles: 6);
        var slowFirstFile = estimate.Remaining(clock);

        atStart.Should().Be(12, "6 planned files at the 2 s per file measured on phase 1");
        var fraction = 1 / 7.0;
        slowFirstFile.Should().Be(Math.Round((fraction * (6 * (1 - fraction) / fraction)) + ((1 - fraction) * 6), 1));
    }

    [Fact]
    public void Remaining_WithNoPaceKnown_IsUnknown()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(TestEvents.Epoch);
        var estimate = new RunEstimate([Phase(1, files: 4)], phasesSaved: 0, earlier: null, historicPace: null);
        estimate.PhaseStarted(0, clock.GetTimestamp());
        clock.Advance(TimeSpan.FromSeconds(3));

        estimate.Remaining(clock).Should().BeNull("no file has been written and no earlier run measured");
    }

    [Fact]
    public void History_RecordsAMovingAverageOfThePace_AndIgnoresNonsense()
    {
        var history = new RunDurationHistory();

        history.Record(0, 10);
        history.Record(5, 0);
        history.Record(double.NaN, 10);
        history.SecondsPerWeight.Should().BeNull();

        history.Record(100, 10);
        history.Record(200, 10);
        history.SecondsPerWeight.Should().BeApproximately(13, 1e-9);
    }

    private static PlannedPhase Phase(int number, int files) => new(number, "Phase " + number, PhaseKind.Entity, "Thing", files);

    private async Task<List<StreamingProgressEvent>> ReadEntriesAsync(string id)
    {
        await using var subscription = await _stores.Log.SubscribeAsync(id);
        return (await subscription.ReadAllAsync().ToListAsync().AsTask().WithPatience()).Select(e => e.Event).ToList();
    }
}
