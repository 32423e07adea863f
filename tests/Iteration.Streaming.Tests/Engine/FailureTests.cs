using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.Tests.Engine;

public sealed class FailureTests
{
    private static IEnumerable<GeneratedFile> OneFileThenThrow(Exception exception)
    {
        yield return GeneratedFile.FromText("partial.txt", "generated before the failure");
        throw exception;
    }

    [Theory]
    [InlineData(SinkKind.InMemory)]
    [InlineData(SinkKind.FileSystem)]
    public async Task GeneratorThrowingInPhase3_FailsWithItsMessage_AndPhases1And2StayOnDisk(SinkKind sink)
    {
        await using var harness = EngineHarness.Create(sink);
        harness.Generator.Files = context => context.Phase.Number == 3
            ? OneFileThenThrow(new GenerationFailedException("'FileManager' object has no attribute 'create_generation_zip'"))
            : ScriptedGenerator.DefaultFiles(context);

        var id = await harness.Engine.StartAsync(new GenerationRequest("x", ["User", "Task"]));
        var events = await harness.ReadToEndAsync(id);

        var failed = events[^1];
        failed.Status.Should().Be(GenerationStatus.Failed);
        failed.Stage.Should().Be(GenerationStages.Error);
        failed.Error.Should().Be("'FileManager' object has no attribute 'create_generation_zip'");
        failed.Message.Should().Be("Generation failed: 'FileManager' object has no attribute 'create_generation_zip'");
        failed.Progress.Should().Be(events[^2].Progress);
        events[^2].Stage.Should().Be("phase_3_progress");
        events.Should().Contain(e => e.Stage == "phase_2_complete").And.NotContain(e => e.Stage == "phase_3_complete");

        var manifest = await harness.Sink.GetManifestAsync(id);
        manifest!.IsComplete.Should().BeFalse();
        manifest.Files.GroupBy(f => f.Phase).Select(g => (g.Key, g.Count())).Should().BeEquivalentTo(new[] { (1, 5), (2, 4) });
        foreach (var file in manifest.Files)
        {
            await using var stream = await harness.Sink.OpenReadAsync(id, file.Path);
            stream.Should().NotBeNull();
        }
    }

    [Fact]
    public async Task FailedEvent_CarriesNoStackTrace()
    {
        await using var harness = EngineHarness.Create();
        harness.Generator.Files = _ => OneFileThenThrow(new GenerationFailedException("boom", new IOException("inner")));

        var id = await harness.Engine.StartAsync(new GenerationRequest("x"));
        var failed = (await harness.ReadToEndAsync(id))[^1];

        failed.Error.Should().Be("boom");
        failed.Message.Should().NotContain(" at ").And.NotContain("inner");
    }

    [Fact]
    public async Task AnyOtherException_FailsWithAGenericMessageAndAReference_NeverItsText()
    {
        await using var harness = EngineHarness.Create();
        harness.Generator.Files = context => context.Phase.Number == 2
            ? OneFileThenThrow(new InvalidOperationException("Server=db;User Id=sa;Password=hunter2"))
            : ScriptedGenerator.DefaultFiles(context);

        var id = await harness.Engine.StartAsync(new GenerationRequest("x", ["User"]));
        var events = await harness.ReadToEndAsync(id);

        var failed = events[^1];
        failed.Status.Should().Be(GenerationStatus.Failed);
        failed.Error.Should().MatchRegex("^An internal error stopped phase 2 \\(User Entity\\)\\. Reference: [0-9a-f]{12}\\.$");
        failed.Message.Should().Be("Generation failed: " + failed.Error);
        events.Should().NotContain(e => (e.Message + e.Error).Contains("hunter2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GeneratorThrowingItsOwnOperationCanceled_FailsTheRun_ItIsNotACancel()
    {
        await using var harness = EngineHarness.Create();
        harness.Generator.Files = _ => OneFileThenThrow(new TaskCanceledException("The request to the model timed out."));

        var id = await harness.Engine.StartAsync(new GenerationRequest("x"));
        var failed = (await harness.ReadToEndAsync(id))[^1];

        failed.Status.Should().Be(GenerationStatus.Failed);
        failed.Error.Should().StartWith("An internal error stopped phase 1").And.NotContain("timed out");
    }

    [Fact]
    public async Task SinkThrowing_FailsTheRunWithAReference_AndTheManifestStaysAtThePreviousPhase()
    {
        await using var harness = EngineHarness.Create(SinkKind.FileSystem);
        var sink = (FileSystemFileSink)harness.Sink;
        var saves = 0;
        sink.CrashPoint = step =>
        {
            if (step == "before-manifest" && ++saves == 2)
            {
                throw new IOException("No space left on device");
            }
        };

        var id = await harness.Engine.StartAsync(new GenerationRequest("x", ["User"]));
        var events = await harness.ReadToEndAsync(id);

        events[^1].Should().Match<StreamingProgressEvent>(e => e.Status == GenerationStatus.Failed && e.Stage == GenerationStages.Error && e.Error!.StartsWith("An internal error stopped phase 2 (User Entity). Reference: ", StringComparison.Ordinal));
        events.Should().Contain(e => e.Stage == "phase_1_complete").And.NotContain(e => e.Stage == "phase_2_complete");
        (await harness.Sink.GetManifestAsync(id))!.Files.Should().HaveCount(5).And.OnlyContain(f => f.Phase == 1);
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task HostilePathFromTheGenerator_FailsTheRunNamingThePath_AndSavesNothingOfThatPhase(string path)
    {
        await using var harness = EngineHarness.Create(configure: o => o.MaxPathLength = 100);
        harness.Generator.Files = context => context.Phase.Number == 2
            ? [GeneratedFile.FromText("fine.txt", "ok"), GeneratedFile.FromText(path, "evil")]
            : ScriptedGenerator.DefaultFiles(context);

        var id = await harness.Engine.StartAsync(new GenerationRequest("x", ["User"]));
        var events = await harness.ReadToEndAsync(id);

        events[^1].Status.Should().Be(GenerationStatus.Failed);
        events[^1].Error.Should().StartWith("The generated file path '").And.Contain("is refused");
        events.Should().NotContain(e => e.CurrentFile == path);
        (await harness.Sink.GetManifestAsync(id))!.Files.Should().NotContain(f => f.Path == "fine.txt");
    }

    public static TheoryData<string> Hostile => HostilePaths.All;

    [Fact]
    public async Task AFileOverTheSizeLimit_FailsTheRunNamingTheLimit()
    {
        await using var harness = EngineHarness.Create(configure: o => o.MaxFileSize = 10);
        harness.Generator.Files = _ => [new GeneratedFile { Path = "big.bin", Content = new byte[11] }];

        var id = await harness.Engine.StartAsync(new GenerationRequest("x"));
        var failed = (await harness.ReadToEndAsync(id))[^1];

        failed.Error.Should().Contain("big.bin").And.Contain("11 bytes").And.Contain("MaxFileSize");
    }

    [Fact]
    public async Task TooManyFiles_FailsTheRunNamingTheLimit()
    {
        await using var harness = EngineHarness.Create(configure: o => o.MaxFilesPerGeneration = 6);

        var id = await harness.Engine.StartAsync(new GenerationRequest("x", ["User"]));
        var events = await harness.ReadToEndAsync(id);

        events[^1].Error.Should().Contain("MaxFilesPerGeneration");
        events.Should().Contain(e => e.Stage == "phase_1_complete").And.NotContain(e => e.Stage == "phase_2_complete");
    }

    [Fact]
    public async Task AnEndlessGenerator_IsStoppedAtTheFileLimit()
    {
        await using var harness = EngineHarness.Create(configure: o => o.MaxFilesPerGeneration = 50);
        harness.Generator.Files = _ => Enumerable.Range(0, int.MaxValue).Select(i => GeneratedFile.FromText($"f{i}.txt", "x"));

        var id = await harness.Engine.StartAsync(new GenerationRequest("x"));
        var failed = (await harness.ReadToEndAsync(id))[^1];

        failed.Status.Should().Be(GenerationStatus.Failed);
        failed.Error.Should().Contain("more than 50 files");
    }

    [Fact]
    public async Task GeneratorYieldingNull_FailsTheRun()
    {
        await using var harness = EngineHarness.Create();
        harness.Generator.Files = _ => [null!];

        var id = await harness.Engine.StartAsync(new GenerationRequest("x"));
        var failed = (await harness.ReadToEndAsync(id))[^1];

        failed.Error.Should().Be("The phase generator yielded null in phase 1.");
    }

    [Theory]
    [MemberData(nameof(BadPlans))]
    public async Task APlannerReturningABadPlan_FailsTheRunSayingWhy(PlannedPhase[] plan, string expected)
    {
        await using var harness = EngineHarness.Create(build: b =>
        {
            b.Services.RemoveAll<IPhasePlanner>();
            b.Services.AddSingleton<IPhasePlanner>(new FixedPlanner(plan));
        });

        var id = await harness.Engine.StartAsync(new GenerationRequest("x"));
        var failed = (await harness.ReadToEndAsync(id))[^1];

        failed.Status.Should().Be(GenerationStatus.Failed);
        failed.Error.Should().Contain(expected);
    }

    public static TheoryData<PlannedPhase[], string> BadPlans => new()
    {
        { [], "no phases" },
        { [new PlannedPhase(2, "Two", PhaseKind.Custom)], "numbered phase 1 as 2" },
        { [new PlannedPhase(1, " ", PhaseKind.Custom)], "no name" },
        { [new PlannedPhase(1, "Neg", PhaseKind.Custom, EstimatedFileCount: -1)], "cannot be negative" },
        { [null!], "null at position 1" },
    };

    [Fact]
    public async Task ACustomPlanner_IsUsedForThePhases()
    {
        await using var harness = EngineHarness.Create(build: b => b.AddPhasePlanner<TwoPhasePlanner>());

        var id = await harness.Engine.StartAsync(new GenerationRequest("x"));
        var events = await harness.ReadToEndAsync(id);

        events.Where(e => e.Stage.EndsWith("_complete", StringComparison.Ordinal)).Select(e => e.Message)
            .Should().Equal("Phase 1 complete: Generated 3 Schema files", "Phase 2 complete: Generated 1 API file");
    }

    private sealed class FixedPlanner(IReadOnlyList<PlannedPhase> plan) : IPhasePlanner
    {
        public ValueTask<IReadOnlyList<PlannedPhase>> PlanAsync(PhasePlanningContext context, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(plan);
    }

    private sealed class TwoPhasePlanner : IPhasePlanner
    {
        public ValueTask<IReadOnlyList<PlannedPhase>> PlanAsync(PhasePlanningContext context, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<IReadOnlyList<PlannedPhase>>([new(1, "Schema", PhaseKind.Custom, EstimatedFileCount: 3), new(2, "API", PhaseKind.Custom, EstimatedFileCount: 1)]);
    }
}
