using Iteration.Streaming.Contracts;
using Iteration.Streaming.Engine;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Tests.Engine;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Tests.Changes;

public sealed class ForkTests
{
    private static readonly ReviewRequest AfterPhaseTwo = new() { AfterPhases = PhaseSelection.Of(2) };

    [Theory]
    [InlineData(SinkKind.InMemory)]
    [InlineData(SinkKind.FileSystem)]
    public async Task ForkAsync_FromPhaseTwoOfAFivePhaseRun_GeneratesOnlyPhasesThreeToFive(SinkKind sink)
    {
        await using var harness = EngineHarness.Create(sink);
        var source = await harness.CompleteGenerationAsync("User", "Task");
        var sourceAtTwo = (await harness.Sink.GetHistoryAsync(source))!.StateAt(2)!;
        harness.Generator.Calls.Clear();

        var id = await harness.Engine.ForkAsync(new ForkRequest(source, 2));
        var events = await harness.ReadToEndAsync(id);

        harness.Generator.Calls.Select(c => c.Phase.Number).Should().Equal(3, 4, 5);
        events.Select(e => e.Stage).Should().StartWith(["initializing", "phased_generation_started", "resumed", "phase_3_started"]);
        events[0].Message.Should().Be($"Forking generation {source} after phase 2...");
        events[2].Message.Should().Be($"Phases 1\u20132 of generation {source} kept (9 files), continuing with phase 3");
        events[^1].Status.Should().Be(GenerationStatus.Completed);
        events.Select(e => e.Progress).Should().BeInAscendingOrder();
        var record = await harness.Engine.GetRecordAsync(id);
        record!.ForkedFrom.Should().Be(source);
        record.FromPhase.Should().Be(2);
        record.RetryOf.Should().BeNull();
        var snapshot = await harness.Engine.GetSnapshotAsync(id);
        (snapshot.ForkedFrom, snapshot.FromPhase).Should().Be((source, 2));
        var kept = (await harness.Sink.GetManifestAsync(id))!.Files.Where(f => f.Phase <= 2);
        kept.Should().BeEquivalentTo(sourceAtTwo, "the kept phases are the source's phase-2 state, content shared");
        (await harness.Sink.GetManifestAsync(source))!.IsComplete.Should().BeTrue("the source stays as it ended");
    }

    [Fact]
    public async Task ForkAsync_PhaseCompleteEvents_CountChangesAgainstTheKeptState()
    {
        await using var harness = EngineHarness.Create();
        var source = await harness.CompleteGenerationAsync("User", "Task");
        harness.Generator.Files = context => context.Phase.Number == 3
            ? [GeneratedFile.FromText("src/user/file0.txt", "rewritten"), GeneratedFile.Delete("src/phase1/file0.txt"), GeneratedFile.FromText("src/new.txt", "new")]
            : ScriptedGenerator.DefaultFiles(context);

        var id = await harness.Engine.ForkAsync(new ForkRequest(source, 2));
        var events = await harness.ReadToEndAsync(id);

        var phaseThree = events.Single(e => e.Stage == "phase_3_complete").PhaseInfo!.Changes;
        phaseThree.Should().BeEquivalentTo(new PhaseChanges { Added = 1, Modified = 1, Deleted = 1 });
        events.Single(e => e.Stage == "phase_4_complete").PhaseInfo!.Changes!.Added.Should().BeGreaterThan(1, "changes are cumulative since the run started");
    }

    [Fact]
    public async Task ForkAsync_WithAModificationPrompt_GivesItToEveryLaterPhase()
    {
        await using var harness = EngineHarness.Create();
        var source = await harness.CompleteGenerationAsync("User");
        harness.Generator.Calls.Clear();

        var id = await harness.Engine.ForkAsync(new ForkRequest(source, 1) { ModificationPrompt = "Use PostgreSQL" });
        await harness.ReadToEndAsync(id);

        harness.Generator.Calls.Should().NotBeEmpty().And.OnlyContain(c => c.ModificationPrompt == "Use PostgreSQL");
    }

    [Fact]
    public async Task ForkAsync_OfAFailedRun_FromItsLastSavedPhase_Completes()
    {
        await using var harness = EngineHarness.Create();
        var failing = true;
        harness.Generator.Files = context => failing && context.Phase.Number == 3
            ? throw new GenerationFailedException("The model is overloaded.")
            : ScriptedGenerator.DefaultFiles(context);
        var failed = await harness.Engine.StartAsync(new GenerationRequest("Build a todo app", ["User", "Task"]));
        (await harness.ReadToEndAsync(failed))[^1].Status.Should().Be(GenerationStatus.Failed);
        failing = false;

        var id = await harness.Engine.ForkAsync(new ForkRequest(failed, 2));

        (await harness.ReadToEndAsync(id))[^1].Status.Should().Be(GenerationStatus.Completed);
    }

    [Fact]
    public async Task ForkAsync_OfAGenerationWaitingAtAReviewGate_KeepsThePhasesBeforeTheGate()
    {
        await using var harness = EngineHarness.Create();
        var source = await harness.Engine.StartAsync(new GenerationRequest("Build a todo app", ["User", "Task"]) { Review = AfterPhaseTwo });
        await harness.WaitForStageAsync(source, GenerationStages.AwaitingInput);
        harness.Generator.Calls.Clear();

        var id = await harness.Engine.ForkAsync(new ForkRequest(source, 2));
        var events = await harness.ReadToEndAsync(id);

        events[^1].Status.Should().Be(GenerationStatus.Completed);
        harness.Generator.Calls.Select(c => c.Phase.Number).Should().Equal(3, 4, 5);
        (await harness.Engine.GetRecordAsync(source))!.Status.Should().Be(GenerationStatus.AwaitingInput, "the source still waits for its user");
    }

    [Fact]
    public async Task ForkAsync_OfARunningGeneration_IsAConflict()
    {
        await using var harness = EngineHarness.Create();
        var gate = harness.Generator.StopAt(phase: 3, fileIndex: 0);
        var id = await harness.Engine.StartAsync(new GenerationRequest("x", ["User", "Task"]));
        await gate.Reached.WithPatience();

        var act = async () => await harness.Engine.ForkAsync(new ForkRequest(id, 1));

        (await act.Should().ThrowAsync<GenerationConflictException>()).WithMessage($"*'{id}' is still processing*");
        gate.Release();
    }

    [Theory]
    [InlineData(0, "*'from_phase' is 0; it must be 1 or more*")]
    [InlineData(-3, "*'from_phase' is -3*")]
    [InlineData(6, "*'from_phase' is 6, past the last phase*saved (5 of 5)*")]
    public async Task ForkAsync_FromAPhaseOutOfRange_IsRefusedNamingTheField(int fromPhase, string message)
    {
        await using var harness = EngineHarness.Create();
        var source = await harness.CompleteGenerationAsync("User", "Task");

        var act = async () => await harness.Engine.ForkAsync(new ForkRequest(source, fromPhase));

        await act.Should().ThrowAsync<InvalidGenerationRequestException>().WithMessage(message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("../etc")]
    [InlineData("no such")]
    public async Task ForkAsync_OfAMalformedId_IsRefused(string id)
    {
        await using var harness = EngineHarness.Create();

        var act = async () => await harness.Engine.ForkAsync(new ForkRequest(id, 1));

        await act.Should().ThrowAsync<InvalidGenerationRequestException>().WithMessage("*'generation_id'*");
    }

    [Fact]
    public async Task ForkAsync_OfAnUnknownGeneration_IsNotFound()
    {
        await using var harness = EngineHarness.Create();

        var act = async () => await harness.Engine.ForkAsync(new ForkRequest("unknown-generation", 1));

        await act.Should().ThrowAsync<GenerationNotFoundException>();
    }

    [Theory]
    [InlineData(SinkKind.InMemory)]
    [InlineData(SinkKind.FileSystem)]
    public async Task ForkAsync_WhenTheSourceIsDeletedWhileTheForkRuns_KeepsEveryKeptFileAndEarlierStateReadable(SinkKind sink)
    {
        await using var harness = EngineHarness.Create(sink);
        var source = await harness.CompleteGenerationAsync("User", "Task");
        var gate = harness.Generator.StopAt(phase: 3, fileIndex: 0);
        var id = await harness.Engine.ForkAsync(new ForkRequest(source, 2));
        await gate.Reached.WithPatience();

        (await harness.Sink.DeleteAsync(source)).Should().BeTrue();
        gate.Release();
        (await harness.ReadToEndAsync(id))[^1].Status.Should().Be(GenerationStatus.Completed);

        var history = (await harness.Sink.GetHistoryAsync(id))!;
        foreach (var phase in new[] { 0, 1, 2, 5 })
        {
            foreach (var file in history.StateAt(phase)!)
            {
                await using var stream = await harness.Sink.OpenContentAsync(id, file);
                stream.Should().NotBeNull($"{file.Path} of phase {phase} is named by the fork's history");
            }
        }
    }
}
