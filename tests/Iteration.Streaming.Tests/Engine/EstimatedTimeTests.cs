using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Tests.Engine;

public sealed class EstimatedTimeTests
{
    [Fact]
    public async Task WhileRunning_TheEstimateComesFromElapsedTimeAndProgress()
    {
        await using var harness = EngineHarness.Create();
        harness.Generator.BeforeFile = (_, _, _) =>
        {
            harness.Clock.Advance(TimeSpan.FromSeconds(1));
            return Task.CompletedTask;
        };

        var id = await harness.Engine.StartAsync(new GenerationRequest("x", ["User"]));
        var events = await harness.ReadToEndAsync(id);

        var withEstimate = events.Where(e => e.EstimatedTimeRemaining is not null).ToArray();
        withEstimate.Should().NotBeEmpty();
        withEstimate.Should().OnlyContain(e => e.EstimatedTimeRemaining >= 0 && e.Status == GenerationStatus.Processing);
        events.Single(e => e.Stage == "phase_4_complete").EstimatedTimeRemaining.Should().BeLessThan(events.Single(e => e.Stage == "phase_1_complete").EstimatedTimeRemaining!.Value);
        events[^1].EstimatedTimeRemaining.Should().BeNull("a finished run has nothing left");
    }

    [Fact]
    public async Task BeforeAnyTimeHasPassed_ThereIsNoEstimate_UntilARunHasCompleted()
    {
        await using var harness = EngineHarness.Create();
        var advance = true;
        harness.Generator.BeforeFile = (_, _, _) =>
        {
            if (advance)
            {
                harness.Clock.Advance(TimeSpan.FromSeconds(2));
            }

            return Task.CompletedTask;
        };
        var first = await harness.Engine.StartAsync(new GenerationRequest("x", ["User"]));
        var firstEvents = await harness.ReadToEndAsync(first);
        advance = false;

        var second = await harness.Engine.StartAsync(new GenerationRequest("x", ["User"]));
        var secondEvents = await harness.ReadToEndAsync(second);

        firstEvents.Single(e => e.Stage == GenerationStages.CodeGeneration).EstimatedTimeRemaining.Should().BeNull();
        secondEvents.Single(e => e.Stage == GenerationStages.CodeGeneration).EstimatedTimeRemaining.Should().Be(32, "the first run took 16 files × 2 s");
    }

    [Fact]
    public void EstimateRemaining_BlendsHistoryWithElapsedTime_TrustingElapsedTimeMoreAsProgressGrows()
    {
        var history = new RunDurationHistory();
        history.Record(TimeSpan.FromSeconds(100), plannedWeight: 10);

        var early = history.EstimateRemaining(TimeSpan.FromSeconds(10), progress: 0.1, plannedWeight: 10);
        var late = history.EstimateRemaining(TimeSpan.FromSeconds(90), progress: 0.9, plannedWeight: 10);

        early.Should().Be(Math.Round((0.1 * 90) + (0.9 * 90), 1));
        late.Should().Be(Math.Round((0.9 * 10) + (0.1 * 10), 1));
    }

    [Fact]
    public void EstimateRemaining_WithoutHistoryOrElapsedTime_IsUnknown()
    {
        new RunDurationHistory().EstimateRemaining(TimeSpan.Zero, 0.5, 10).Should().BeNull();
    }

    [Fact]
    public void Record_IgnoresNonsense()
    {
        var history = new RunDurationHistory();

        history.Record(TimeSpan.Zero, 10);
        history.Record(TimeSpan.FromSeconds(5), 0);

        history.Current.Should().Be((null, null));
    }

    [Fact]
    public void History_IsAMovingAverage()
    {
        var history = new RunDurationHistory();

        history.Record(TimeSpan.FromSeconds(100), 10);
        history.Record(TimeSpan.FromSeconds(200), 10);

        history.Current.SecondsPerRun.Should().BeApproximately(130, 1e-9);
        history.Current.SecondsPerWeight.Should().BeApproximately(13, 1e-9);
    }
}
