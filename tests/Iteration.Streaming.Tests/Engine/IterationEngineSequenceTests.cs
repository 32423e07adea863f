using System.Text.Json;
using System.Text;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.Generation;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Tests.Engine;

public sealed class IterationEngineSequenceTests
{
    private static string[] Stages(IEnumerable<StreamingProgressEvent> events) =>
        events.Where(e => !e.Stage.EndsWith("_progress", StringComparison.Ordinal)).Select(e => e.Stage).ToArray();

    [Theory]
    [InlineData(SinkKind.InMemory)]
    [InlineData(SinkKind.FileSystem)]
    public async Task StartAsync_OneEntity_EmitsTheGuidesSequence(SinkKind sink)
    {
        await using var harness = EngineHarness.Create(sink);

        var id = await harness.Engine.StartAsync(new GenerationRequest("Build a todo app", ["User"]));
        var events = await harness.ReadToEndAsync(id);

        Stages(events).Should().Equal(
            "initializing", "code_generation", "phased_generation_started",
            "phase_1_started", "phase_1_complete",
            "phase_2_started", "phase_2_complete",
            "phase_3_started", "phase_3_complete",
            "phase_4_started", "phase_4_complete",
            "file_management", "quality_assessment", "completed");
        events.Should().OnlyContain(e => e.GenerationId == id && e.GenerationMode == null && e.AbGroup == null && e.Replay == null);
        events.SkipLast(1).Should().OnlyContain(e => e.Status == GenerationStatus.Processing);
        events[0].Message.Should().Be("Starting generation...");
        events[1].Message.Should().Be("Generating code...");
        events[2].Message.Should().Be("Starting phased generation for 1 entity");
        events[2].PhaseInfo.Should().BeEquivalentTo(new PhaseInfo
        {
            TotalPhases = 4,
            CurrentPhase = 0,
            EntitiesCount = 1,
            Phases =
            [
                new PhaseSummary { Phase = 1, Name = "Core Infrastructure" },
                new PhaseSummary { Phase = 2, Name = "User Entity" },
                new PhaseSummary { Phase = 3, Name = "Support Files" },
                new PhaseSummary { Phase = 4, Name = "Main Application" },
            ],
        });
        events[^1].Status.Should().Be(GenerationStatus.Completed);
        events[^1].Progress.Should().Be(1.0);
        events[^1].Message.Should().Be("Generation completed successfully with 16 files");
    }

    [Theory]
    [InlineData(SinkKind.InMemory)]
    [InlineData(SinkKind.FileSystem)]
    public async Task StartAsync_FiveEntities_EmitsOnePhasePerEntityWithCumulativeFileCounts(SinkKind sink)
    {
        await using var harness = EngineHarness.Create(sink);

        var id = await harness.Engine.StartAsync(new GenerationRequest("A shop", ["User", "Product", "Order", "Review", "Cart"]));
        var events = await harness.ReadToEndAsync(id);

        var completes = events.Where(e => e.Stage.EndsWith("_complete", StringComparison.Ordinal)).ToArray();
        completes.Select(e => e.Message).Should().Equal(
            "Phase 1 complete: Generated 5 core infrastructure files",
            "Phase 2 complete: Generated 4 User entity files",
            "Phase 3 complete: Generated 4 Product entity files",
            "Phase 4 complete: Generated 4 Order entity files",
            "Phase 5 complete: Generated 4 Review entity files",
            "Phase 6 complete: Generated 4 Cart entity files",
            "Phase 7 complete: Generated 5 support files",
            "Phase 8 complete: Generated 2 main application files");
        completes.Select(e => (e.PhaseInfo!.Phase, e.PhaseInfo.Name, e.PhaseInfo.FilesGenerated, e.PhaseInfo.TotalFiles)).Should().Equal(
            (1, "Core Infrastructure", 5, 5),
            (2, "User Entity", 4, 9),
            (3, "Product Entity", 4, 13),
            (4, "Order Entity", 4, 17),
            (5, "Review Entity", 4, 21),
            (6, "Cart Entity", 4, 25),
            (7, "Support Files", 5, 30),
            (8, "Main Application", 2, 32));
        completes.Should().OnlyContain(e => e.PhaseInfo!.TotalPhases == 8 && e.PhaseInfo.EntitiesCount == 5 && e.PhaseInfo.CurrentPhase == e.PhaseInfo.Phase);
        events.Single(e => e.Stage == "phased_generation_started").Message.Should().Be("Starting phased generation for 5 entities");
        events[^1].Message.Should().Be("Generation completed successfully with 32 files");
        (await harness.Sink.GetManifestAsync(id))!.Files.Should().HaveCount(32);
    }

    [Fact]
    public async Task PhaseCompleteEvent_HasTheGuidesJsonShape()
    {
        await using var harness = EngineHarness.Create();

        var id = await harness.Engine.StartAsync(new GenerationRequest("Build a todo app", ["User"]));
        var events = await harness.ReadToEndAsync(id);

        var json = JsonSerializer.SerializeToElement(events.Single(e => e.Stage == "phase_1_complete"), IterationStreamingJson.StreamingProgressEvent);
        json.EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(
            "generation_id", "status", "stage", "progress", "message", "phase_info", "timestamp");
        json.GetProperty("phase_info").EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(
            "total_phases", "current_phase", "entities_count", "phase", "name", "files_generated", "total_files");
        json.GetProperty("stage").GetString().Should().Be("phase_1_complete");
        json.GetProperty("phase_info").GetProperty("name").GetString().Should().Be("Core Infrastructure");
    }

    [Fact]
    public async Task EachFile_EmitsAProgressEventNamingIt_WithThePhasesRunningCounts()
    {
        await using var harness = EngineHarness.Create();

        var id = await harness.Engine.StartAsync(new GenerationRequest("Build a todo app", ["User"]));
        var events = await harness.ReadToEndAsync(id);

        var progress = events.Where(e => e.Stage == "phase_2_progress").ToArray();
        progress.Select(e => e.CurrentFile).Should().Equal("src/user/file0.txt", "src/user/file1.txt", "src/user/file2.txt", "src/user/file3.txt");
        progress.Select(e => e.Message).Should().Equal("Generated src/user/file0.txt", "Generated src/user/file1.txt", "Generated src/user/file2.txt", "Generated src/user/file3.txt");
        progress.Select(e => (e.PhaseInfo!.FilesGenerated, e.PhaseInfo.TotalFiles)).Should().Equal((1, 6), (2, 7), (3, 8), (4, 9));
        progress.Should().OnlyContain(e => e.PhaseInfo!.Phase == 2 && e.PhaseInfo.Name == "User Entity");
    }

    [Fact]
    public async Task PartialOutputOfAFile_RidesOnItsProgressEvent()
    {
        await using var harness = EngineHarness.Create();
        var output = new Dictionary<string, JsonElement> { ["tokens"] = JsonSerializer.SerializeToElement(42) };
        harness.Generator.Files = context => [GeneratedFile(context.Phase.Number, output)];

        var id = await harness.Engine.StartAsync(new GenerationRequest("Build a todo app"));
        var events = await harness.ReadToEndAsync(id);

        events.Single(e => e.Stage == "phase_1_progress").PartialOutput.Should().ContainKey("tokens");
    }

    private static Streaming.Files.GeneratedFile GeneratedFile(int phase, IReadOnlyDictionary<string, JsonElement> output) =>
        Streaming.Files.GeneratedFile.FromText($"phase{phase}.txt", "x") with { PartialOutput = output };

    [Fact]
    public async Task NoEntities_PlansCoreSupportAndMainOnly()
    {
        await using var harness = EngineHarness.Create();

        var id = await harness.Engine.StartAsync(new GenerationRequest("A static site"));
        var events = await harness.ReadToEndAsync(id);

        events.Where(e => e.Stage.EndsWith("_complete", StringComparison.Ordinal)).Select(e => e.PhaseInfo!.Name)
            .Should().Equal("Core Infrastructure", "Support Files", "Main Application");
        events.Single(e => e.Stage == "phased_generation_started").Message.Should().Be("Starting phased generation for 0 entities");
    }

    [Theory]
    [InlineData(SinkKind.InMemory)]
    [InlineData(SinkKind.FileSystem)]
    public async Task StartAsync_SavesEveryFileBeforeItsPhaseCompletes(SinkKind sink)
    {
        await using var harness = EngineHarness.Create(sink);
        var gate = harness.Generator.StopAt(phase: 2, fileIndex: 0);

        var id = await harness.Engine.StartAsync(new GenerationRequest("Build a todo app", ["User"]));
        await gate.Reached.WithPatience();
        var manifest = await harness.Sink.GetManifestAsync(id);
        var latest = await harness.Log.GetLatestAsync(id);
        gate.Release();
        await harness.ReadToEndAsync(id);

        latest!.Event.Stage.Should().Be("phase_2_started");
        manifest!.Files.Should().HaveCount(5).And.OnlyContain(f => f.Phase == 1);
        manifest.IsComplete.Should().BeFalse();
        await using var stream = await harness.Sink.OpenReadAsync(id, "src/phase1/file0.txt");
        using var reader = new StreamReader(stream!, Encoding.UTF8);
        (await reader.ReadToEndAsync()).Should().Be($"{id} phase 1 file 0");
    }

    [Fact]
    public async Task Completion_MarksTheManifestComplete()
    {
        await using var harness = EngineHarness.Create();

        var id = await harness.CompleteGenerationAsync("User");

        (await harness.Sink.GetManifestAsync(id))!.IsComplete.Should().BeTrue();
    }

    [Fact]
    public async Task StartAsync_ReturnsAUuid_AndTheFirstEventIsAlreadyInTheLog()
    {
        await using var harness = EngineHarness.Create();
        var gate = harness.Generator.StopAt(phase: 1, fileIndex: 0);

        var id = await harness.Engine.StartAsync(new GenerationRequest("Build a todo app"));
        var first = await harness.Log.GetLatestAsync(id);
        gate.Release();
        await harness.ReadToEndAsync(id);

        Guid.TryParseExact(id, "D", out _).Should().BeTrue();
        first.Should().NotBeNull("a watcher that connects at once must find an event");
        first!.Sequence.Should().BeGreaterThanOrEqualTo(1);
    }

    [Fact]
    public async Task Timestamps_ComeFromTheInjectedClock()
    {
        await using var harness = EngineHarness.Create();

        var id = await harness.Engine.StartAsync(new GenerationRequest("Build a todo app"));
        var events = await harness.ReadToEndAsync(id);

        events.Should().OnlyContain(e => e.Timestamp == TestEvents.Epoch);
    }

    [Fact]
    public async Task GeneratorContext_CarriesTheRequestThePlanAndTheFilesSoFar()
    {
        await using var harness = EngineHarness.Create();

        var id = await harness.Engine.StartAsync(new GenerationRequest("Build a todo app", ["User"]));
        await harness.ReadToEndAsync(id);

        var calls = harness.Generator.Calls.ToArray();
        calls.Select(c => c.Phase.Number).Should().Equal(1, 2, 3, 4);
        calls.Should().OnlyContain(c => c.GenerationId == id && c.Prompt == "Build a todo app" && c.ModificationPrompt == null && c.ParentGenerationId == null);
        calls[1].Phase.Should().Be(new PlannedPhase(2, "User Entity", PhaseKind.Entity, "User", 4));
        calls[1].Plan.Should().HaveCount(4);
        calls[1].Entities.Should().Equal("User");
        calls[1].Files.Files.Should().HaveCount(5, "phase 1's files are saved before phase 2 starts");
        calls[1].Mode.GenerationMode.Should().Be(GenerationModes.Classic);
    }
}
