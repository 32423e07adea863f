using Iteration.Streaming.Engine;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Tests.Engine;

public sealed class RetryTests
{
    private static async Task<(EngineHarness Harness, string Failed)> FailedRunAsync(SinkKind sink = SinkKind.InMemory)
    {
        var harness = EngineHarness.Create(sink);
        var failing = true;
        harness.Generator.Files = context => failing && context.Phase.Number == 3
            ? throw new GenerationFailedException("The model is overloaded.")
            : ScriptedGenerator.DefaultFiles(context);
        var id = await harness.Engine.StartAsync(new GenerationRequest("Build a todo app", ["User", "Task"]));
        (await harness.ReadToEndAsync(id))[^1].Status.Should().Be(GenerationStatus.Failed);
        failing = false;
        harness.Generator.Calls.Clear();
        return (harness, id);
    }

    [Theory]
    [InlineData(SinkKind.InMemory)]
    [InlineData(SinkKind.FileSystem)]
    public async Task RetryAsync_OfAFailedRun_IsANewGenerationThatReusesTheSavedPhases(SinkKind sink)
    {
        var (harness, failed) = await FailedRunAsync(sink);
        await using var _ = harness;

        var id = await harness.Engine.RetryAsync(new RetryRequest(failed));
        var events = await harness.ReadToEndAsync(id);

        id.Should().NotBe(failed);
        events.Select(e => e.Stage).Should().StartWith(["initializing", "phased_generation_started", "resumed", "phase_3_started"]);
        events[0].Message.Should().Be($"Retrying generation {failed}...");
        events[2].Message.Should().Be($"Phases 1\u20132 of generation {failed} kept (9 files), continuing with phase 3");
        events[2].PhaseInfo!.Phase.Should().Be(3);
        events[^1].Status.Should().Be(GenerationStatus.Completed);
        harness.Generator.Calls.Select(c => c.Phase.Number).Should().Equal(3, 4, 5);
        var record = await harness.Engine.GetRecordAsync(id);
        record!.RetryOf.Should().Be(failed);
        var manifest = (await harness.Sink.GetManifestAsync(id))!;
        manifest.Files.Where(f => f.Phase is 1 or 2).Should().HaveCount(9);
        (await harness.Sink.GetManifestAsync(failed))!.IsComplete.Should().BeFalse("the failed generation stays as it ended");
        (await harness.Log.GetLatestAsync(failed))!.Event.Status.Should().Be(GenerationStatus.Failed);
    }

    [Fact]
    public async Task RetryAsync_OfACancelledIteration_KeepsItsParent()
    {
        await using var harness = EngineHarness.Create();
        var parent = await harness.CompleteGenerationAsync("User");
        var gate = harness.Generator.StopAt(phase: 2, fileIndex: 0);
        var iteration = await harness.Engine.IterateAsync(new IterationRequest(parent, "add tests"));
        await gate.Reached.WithPatience();
        await harness.Engine.CancelAsync(iteration);
        await harness.ReadToEndAsync(iteration);
        harness.Generator.BeforeFile = null;

        var id = await harness.Engine.RetryAsync(new RetryRequest(iteration));
        var events = await harness.ReadToEndAsync(id);

        events[^1].Status.Should().Be(GenerationStatus.Completed);
        events.Should().NotContain(e => e.WarningType != null);
        var snapshot = await harness.Engine.GetSnapshotAsync(id);
        snapshot.ParentGenerationId.Should().Be(parent);
        snapshot.RetryOf.Should().Be(iteration);
    }

    [Fact]
    public async Task RetryAsync_OfARunningGeneration_IsAConflict()
    {
        await using var harness = EngineHarness.Create();
        var gate = harness.Generator.StopAt(phase: 1, fileIndex: 0);
        var id = await harness.Engine.StartAsync(new GenerationRequest("x"));
        await gate.Reached.WithPatience();

        var act = async () => await harness.Engine.RetryAsync(new RetryRequest(id));

        await act.Should().ThrowAsync<GenerationConflictException>().WithMessage("*still processing*");
        gate.Release();
    }

    [Fact]
    public async Task RetryAsync_OfACompletedGeneration_IsAConflict()
    {
        await using var harness = EngineHarness.Create();
        var id = await harness.CompleteGenerationAsync();

        var act = async () => await harness.Engine.RetryAsync(new RetryRequest(id));

        await act.Should().ThrowAsync<GenerationConflictException>().WithMessage("*completed*");
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task RetryAsync_WithoutAnId_IsAnInvalidRequest(string id)
    {
        await using var harness = EngineHarness.Create();

        var act = async () => await harness.Engine.RetryAsync(new RetryRequest(id));

        await act.Should().ThrowAsync<InvalidGenerationRequestException>();
    }

    [Fact]
    public async Task RetryAsync_OfAnUnknownGeneration_IsNotFound()
    {
        await using var harness = EngineHarness.Create();

        var act = async () => await harness.Engine.RetryAsync(new RetryRequest(TestEvents.NewId()));
        var nothing = async () => await harness.Engine.RetryAsync(null!);

        await act.Should().ThrowAsync<GenerationNotFoundException>();
        await nothing.Should().ThrowAsync<ArgumentNullException>();
    }

    [Fact]
    public async Task RetryAsync_OfARunThatFailedBeforeAnyPhase_StartsFromPhase1()
    {
        await using var harness = EngineHarness.Create();
        var failing = true;
        harness.Generator.Files = context => failing ? throw new GenerationFailedException("no") : ScriptedGenerator.DefaultFiles(context);
        var failed = await harness.Engine.StartAsync(new GenerationRequest("x"));
        await harness.ReadToEndAsync(failed);
        failing = false;
        harness.Generator.Calls.Clear();

        var id = await harness.Engine.RetryAsync(new RetryRequest(failed));
        var events = await harness.ReadToEndAsync(id);

        events.Single(e => e.Stage == GenerationStages.Resumed).Message.Should().Be($"No phase of generation {failed} was saved: generating every phase");
        harness.Generator.Calls.Select(c => c.Phase.Number).Should().Equal(1, 2, 3);
        events[^1].Status.Should().Be(GenerationStatus.Completed);
    }
}
