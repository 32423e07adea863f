using System.Text;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Tests.Engine;

public sealed class IterationEngineSequenceTests
{
    [Theory]
    [InlineData(SinkKind.InMemory)]
    [InlineData(SinkKind.FileSystem)]
    public async Task StartAsync_OneEntity_EmitsTheGuidesSequence(SinkKind sink)
    {
        await using var harness = EngineHarness.Create(sink);

        var id = await harness.Engine.StartAsync(new GenerationRequest("Build a todo app", ["User"]));
        var events = await harness.ReadToEndAsync(id);

        events.Where(e => !e.Stage.EndsWith("_progress", StringComparison.Ordinal)).Select(e => e.Stage).Should().Equal(
            "initializing", "code_generation", "phased_generation_started",
            "phase_1_started", "phase_1_complete",
            "phase_2_started", "phase_2_complete",
            "phase_3_started", "phase_3_complete",
            "phase_4_started", "phase_4_complete",
            "file_management", "quality_assessment", "completed");
        events.Should().OnlyContain(e => e.GenerationId == id && e.GenerationMode == GenerationModes.Classic);
        events[^1].Status.Should().Be(GenerationStatus.Completed);
        events[^1].Progress.Should().Be(1.0);
        events[^1].Message.Should().Be("Generation completed successfully with 16 files");
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
        gate.Release();
        await harness.ReadToEndAsync(id);

        manifest!.Files.Should().HaveCount(5).And.OnlyContain(f => f.Phase == 1);
        await using var stream = await harness.Sink.OpenReadAsync(id, "src/phase1/file0.txt");
        using var reader = new StreamReader(stream!, Encoding.UTF8);
        (await reader.ReadToEndAsync()).Should().Be($"{id} phase 1 file 0");
    }
}
