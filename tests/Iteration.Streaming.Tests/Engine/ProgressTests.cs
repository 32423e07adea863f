using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Runs;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.Tests.Engine;

public sealed class ProgressTests
{
    [Fact]
    public async Task Progress_NeverGoesBackwards_OverAThousandRandomPlans()
    {
        await using var harness = EngineHarness.Create(
            configure: o => o.MaxConcurrentGenerations = 8,
            build: b =>
            {
                b.Services.RemoveAll<IPhasePlanner>();
                b.Services.AddSingleton<IPhasePlanner>(new RandomPlanner(seed: 20251017));
            });
        harness.Generator.Files = RandomPlanner.Files;

        var checkedRuns = 0;
        for (var batch = 0; batch < 20; batch++)
        {
            var ids = new List<string>();
            for (var i = 0; i < 50; i++)
            {
                ids.Add(await harness.Engine.StartAsync(new GenerationRequest("random")));
            }

            foreach (var id in ids)
            {
                var events = await harness.ReadToEndAsync(id);
                AssertProgressShape(events);
                checkedRuns++;
            }
        }

        checkedRuns.Should().Be(1000);
    }

    private static void AssertProgressShape(List<StreamingProgressEvent> events)
    {
        for (var i = 1; i < events.Count; i++)
        {
            if (events[i].Progress < events[i - 1].Progress)
            {
                Assert.Fail($"Progress went from {events[i - 1].Progress} ({events[i - 1].Stage}) to {events[i].Progress} ({events[i].Stage}).");
            }
        }

        events[^1].Status.Should().Be(GenerationStatus.Completed);
        events[^1].Progress.Should().Be(1.0);
        events.Should().OnlyContain(e => e.Progress >= 0.0 && e.Progress <= 1.0);
        foreach (var e in events)
        {
            var inBand = e.Stage switch
            {
                GenerationStages.Queued => e.Progress == 0.0,
                GenerationStages.Initializing or GenerationStages.CodeGeneration => e.Progress < 0.05,
                GenerationStages.PhasedGenerationStarted => e.Progress == 0.05,
                GenerationStages.FileManagement or GenerationStages.Validation => e.Progress is >= 0.95 and <= 0.98,
                GenerationStages.QualityAssessment => e.Progress is >= 0.98 and < 1.0,
                GenerationStages.Completed => e.Progress == 1.0,
                _ => e.Progress is >= 0.05 and <= 0.95,
            };
            inBand.Should().BeTrue($"{e.Stage} at {e.Progress} must lie in its band");
        }

        var lastPhase = events.Last(e => e.Stage.EndsWith("_complete", StringComparison.Ordinal));
        lastPhase.Progress.Should().Be(0.95);
    }

    [Fact]
    public void ProgressModel_WeighsPhasesByTheirPlannedSize()
    {
        var model = new ProgressModel([
            new PlannedPhase(1, "Small", PhaseKind.Custom, EstimatedFileCount: 1),
            new PlannedPhase(2, "Large", PhaseKind.Custom, EstimatedFileCount: 8),
        ]);

        model.PhaseCompleted(0).Should().Be(0.15);
        model.PhaseCompleted(1).Should().Be(0.95);
        ProgressModel.Weight(new PlannedPhase(3, "Empty", PhaseKind.Custom, EstimatedFileCount: 0)).Should().Be(1, "every phase weighs at least one file");
    }

    [Fact]
    public void ProgressModel_MoreFilesThanPlanned_ApproachThePhasesEndWithoutPassingIt()
    {
        var model = new ProgressModel([new PlannedPhase(1, "One", PhaseKind.Custom, EstimatedFileCount: 2), new PlannedPhase(2, "Two", PhaseKind.Custom, EstimatedFileCount: 2)]);

        var values = Enumerable.Range(1, 100).Select(files => model.PhaseFile(0, files, estimatedFiles: 2)).ToArray();

        values.Should().BeInAscendingOrder();
        values.Should().OnlyContain(v => v >= model.PhaseStarted(0) && v <= model.PhaseCompleted(0));
    }

    [Fact]
    public void ProgressModel_ZeroEstimates_CountAsOneFile()
    {
        var model = new ProgressModel([new PlannedPhase(1, "A", PhaseKind.Custom, EstimatedFileCount: 0), new PlannedPhase(2, "B", PhaseKind.Custom, EstimatedFileCount: 0)]);

        model.PhaseCompleted(0).Should().Be(0.5);
    }

    [Fact]
    public async Task FailedEvent_KeepsTheProgressReached()
    {
        await using var harness = EngineHarness.Create();
        harness.Generator.Files = context => context.Phase.Number == 2 ? Throwing() : ScriptedGenerator.DefaultFiles(context);

        var id = await harness.Engine.StartAsync(new GenerationRequest("x", ["User"]));
        var events = await harness.ReadToEndAsync(id);

        events[^1].Status.Should().Be(GenerationStatus.Failed);
        events[^1].Progress.Should().Be(events[^2].Progress).And.BeGreaterThan(0.05);
    }

    private static IEnumerable<Streaming.Files.GeneratedFile> Throwing()
    {
        yield return Streaming.Files.GeneratedFile.FromText("a.txt", "a");
        throw new InvalidOperationException("model overloaded");
    }
}
