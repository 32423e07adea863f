using Iteration.Streaming.Contracts;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Iteration.Streaming.TestUtilities;
using Iteration.Streaming.Tests.Engine;

namespace Iteration.Streaming.Tests.Gates;

public sealed class ReviewGateTests
{
    private static readonly ReviewRequest PlanAndPhaseOne = new() { Plan = true, AfterPhases = PhaseSelection.Of(1) };

    [Fact]
    public async Task StartAsync_WithPlanAndPhaseGates_StopsTwice_AndCompletesWithTheRevisedPlanTheEditAndTheLock()
    {
        await using var harness = EngineHarness.Create();
        harness.Generator.Files = context => context.Phase.Number == 2
            ? [GeneratedFile.FromText("src/user/file0.txt", "phase 2 rewrites a locked file"), GeneratedFile.FromText("src/more.txt", "more")]
            : ScriptedGenerator.DefaultFiles(context);
        var id = await harness.Engine.StartAsync(new GenerationRequest("Build a todo app", ["User", "Task"]) { Review = PlanAndPhaseOne });

        var planGate = await harness.WaitForStageAsync(id, GenerationStages.AwaitingInput);
        var waitingRecord = await harness.Engine.GetRecordAsync(id);
        var revised = await harness.Engine.SendInputAsync(id, new GenerationInputRequest
        {
            Action = InputActions.RevisePlan,
            Phases = [new RevisedPhase { Name = "Users", Entities = ["User"] }, new RevisedPhase { Name = "Everything else" }],
        });
        var phaseGate = await WaitForGateAsync(harness, id, InputRequestKinds.Phase);
        var edited = await harness.Engine.SendInputAsync(id, new GenerationInputRequest
        {
            Action = InputActions.EditFiles,
            Files = [new InputFile { Path = "src/user/file1.txt", Content = "written by the user" }],
        });
        var locked = await harness.Engine.SendInputAsync(id, new GenerationInputRequest { Action = InputActions.Lock, Paths = ["src/user/file0.txt"] });
        var instructed = await harness.Engine.SendInputAsync(id, new GenerationInputRequest { Action = InputActions.Instruct, Instruction = "Use PostgreSQL" });
        var approved = await harness.Engine.SendInputAsync(id, new GenerationInputRequest { Action = InputActions.Approve });
        var events = await harness.ReadToEndAsync(id);

        planGate.Status.Should().Be(GenerationStatus.AwaitingInput);
        planGate.Message.Should().Be("Review the plan: 5 phases");
        planGate.InputRequest!.Kind.Should().Be(InputRequestKinds.Plan);
        waitingRecord!.Status.Should().Be(GenerationStatus.AwaitingInput);
        revised.Status.Should().Be(GenerationStatus.Queued);
        phaseGate.Message.Should().Be("Phase 1 saved (4 files): review before phase 2");
        phaseGate.InputRequest!.Phases.Select(p => p.Name).Should().Equal("Users", "Everything else");
        new[] { edited, locked, instructed }.Should().OnlyContain(a => a.Status == GenerationStatus.AwaitingInput && a.EventId > 0);
        approved.Status.Should().Be(GenerationStatus.Queued);
        events[^1].Status.Should().Be(GenerationStatus.Completed);
        events.Count(e => e.Stage == GenerationStages.AwaitingInput).Should().Be(2);
        events.Where(e => e.Stage == GenerationStages.InputReceived).Select(e => e.Message).Should().Equal(
            "Plan revised: 2 phases", "1 file edited", "1 path locked", "Instruction queued for phase 2", "Approved: phase 2 next");
        events.Should().ContainSingle(e => e.WarningType == WarningTypes.LockedPath).Which.CurrentFile.Should().Be("src/user/file0.txt");
        events.Select(e => e.Progress).Should().BeInAscendingOrder();

        var manifest = await harness.Sink.GetManifestAsync(id);
        manifest!.Files.Should().ContainSingle(f => f.Path == "src/user/file1.txt").Which.WrittenBy.Should().Be(FileAuthors.User);
        (await ReadAsync(harness, id, "src/user/file1.txt")).Should().Be("written by the user");
        (await ReadAsync(harness, id, "src/user/file0.txt")).Should().Be($"{id} phase 1 file 0");
        var phaseTwo = harness.Generator.Calls.Single(c => c.Phase.Number == 2);
        phaseTwo.Instructions.Should().Equal(new UserInstruction("Use PostgreSQL", 1));
        phaseTwo.LockedPaths.Should().Contain("src/user/file0.txt");
        phaseTwo.Files.Files.Should().Contain(f => f.Path == "src/user/file1.txt" && f.WrittenBy == FileAuthors.User);
    }

    [Fact]
    public async Task StartAsync_WithoutReview_EmitsNoGateEvent()
    {
        await using var harness = EngineHarness.Create();

        var id = await harness.CompleteGenerationAsync("User");
        var events = await harness.ReadToEndAsync(id);

        events.Should().NotContain(e => e.Stage == GenerationStages.AwaitingInput || e.Stage == GenerationStages.InputReceived || e.InputRequest != null);
    }

    [Fact]
    public async Task Gate_HoldsNoSlot_AnotherRunRunsMeanwhile()
    {
        await using var harness = EngineHarness.Create(configure: o => o.MaxConcurrentGenerations = 1);
        var waiting = await harness.Engine.StartAsync(new GenerationRequest("x") { Review = new ReviewRequest { Plan = true } });
        await harness.WaitForStageAsync(waiting, GenerationStages.AwaitingInput);

        var other = await harness.Engine.StartAsync(new GenerationRequest("y"));
        var events = await harness.ReadToEndAsync(other);

        events[^1].Status.Should().Be(GenerationStatus.Completed);
        events.Should().NotContain(e => e.Stage == GenerationStages.Queued);
    }

    [Fact]
    public async Task InputTimeout_OnTheFakeClock_EndsTheWaitingRunCancelled()
    {
        await using var harness = EngineHarness.Create(configure: o => o.InputTimeout = TimeSpan.FromHours(2));
        var id = await harness.Engine.StartAsync(new GenerationRequest("x") { Review = new ReviewRequest { Plan = true } });
        await harness.WaitForStageAsync(id, GenerationStages.AwaitingInput);

        var early = await harness.Internal.Deadlines.SweepAsync(CancellationToken.None);
        harness.Clock.Advance(TimeSpan.FromHours(2));
        var due = await harness.Internal.Deadlines.SweepAsync(CancellationToken.None);
        var events = await harness.ReadToEndAsync(id);

        early.Should().Be(0);
        due.Should().Be(1);
        events[^1].Should().Match<StreamingProgressEvent>(e => e.Status == GenerationStatus.Cancelled && e.Message == "Cancelled: nobody answered the review within 2 hours");
        (await harness.Engine.GetRecordAsync(id))!.Status.Should().Be(GenerationStatus.Cancelled);
    }

    [Fact]
    public async Task CancelAsync_AtAGate_EndsItCancelledOnce()
    {
        await using var harness = EngineHarness.Create();
        var id = await harness.Engine.StartAsync(new GenerationRequest("x") { Review = new ReviewRequest { Plan = true } });
        await harness.WaitForStageAsync(id, GenerationStages.AwaitingInput);

        var cancelled = await harness.Engine.CancelAsync(id);
        var again = await harness.Engine.CancelAsync(id);
        var events = await harness.ReadToEndAsync(id);

        cancelled.Should().BeTrue();
        again.Should().BeFalse();
        events.Should().ContainSingle(e => e.IsTerminal).Which.Message.Should().Be("Generation cancelled at review");
    }

    [Fact]
    public async Task SendInputAsync_TwoApprovalsRacing_ContinueTheRunOnce()
    {
        await using var harness = EngineHarness.Create();
        var id = await harness.Engine.StartAsync(new GenerationRequest("x") { Review = new ReviewRequest { Plan = true } });
        await harness.WaitForStageAsync(id, GenerationStages.AwaitingInput);

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            try
            {
                return (await harness.Engine.SendInputAsync(id, new GenerationInputRequest { Action = InputActions.Approve })).Status;
            }
            catch (GenerationConflictException)
            {
                return "conflict";
            }
        })));
        var events = await harness.ReadToEndAsync(id);

        results.Count(r => r == GenerationStatus.Queued).Should().Be(1);
        events.Count(e => e.Stage == GenerationStages.InputReceived).Should().Be(1);
        events.Count(e => e.Stage == "phase_1_started").Should().Be(1);
        events[^1].Status.Should().Be(GenerationStatus.Completed);
    }

    [Fact]
    public async Task SendInputAsync_InstructWhilePhaseRuns_AppliesFromTheNextPhase()
    {
        await using var harness = EngineHarness.Create();
        var gate = harness.Generator.StopAt(phase: 1, fileIndex: 0);
        var id = await harness.Engine.StartAsync(new GenerationRequest("x", ["User"]));
        await gate.Reached.WithPatience();

        var accepted = await harness.Engine.SendInputAsync(id, new GenerationInputRequest { Action = InputActions.Instruct, Instruction = "Add tests" });
        gate.Release();
        var events = await harness.ReadToEndAsync(id);

        accepted.Should().Match<GenerationInputAccepted>(a => a.Status == GenerationStatus.Processing && a.EventId > 0);
        events.Should().ContainSingle(e => e.Stage == GenerationStages.InputReceived).Which.Message.Should().Be("Instruction queued for phase 2");
        harness.Generator.Calls.Single(c => c.Phase.Number == 1).Instructions.Should().BeEmpty();
        harness.Generator.Calls.Single(c => c.Phase.Number == 2).Instructions.Should().ContainSingle().Which.Text.Should().Be("Add tests");
    }

    [Theory]
    [InlineData(InputActions.Approve)]
    [InlineData(InputActions.RevisePlan)]
    [InlineData(InputActions.EditFiles)]
    public async Task SendInputAsync_GateActionWhileRunning_Is409NamingTheStatus(string action)
    {
        await using var harness = EngineHarness.Create();
        var gate = harness.Generator.StopAt(phase: 1, fileIndex: 0);
        var id = await harness.Engine.StartAsync(new GenerationRequest("x"));
        await gate.Reached.WithPatience();

        var act = async () => await harness.Engine.SendInputAsync(id, new GenerationInputRequest
        {
            Action = action,
            Phases = [new RevisedPhase { Name = "A" }],
            Files = [new InputFile { Path = "a.txt", Content = "a" }],
        });

        (await act.Should().ThrowAsync<GenerationConflictException>()).Which.Message.Should().Contain("processing");
        gate.Release();
    }

    [Fact]
    public async Task SendInputAsync_RevisePlanAtAPhaseGate_Is409()
    {
        await using var harness = EngineHarness.Create();
        var id = await harness.Engine.StartAsync(new GenerationRequest("x") { Review = new ReviewRequest { AfterPhases = PhaseSelection.All } });
        await harness.WaitForStageAsync(id, GenerationStages.AwaitingInput);

        var act = async () => await harness.Engine.SendInputAsync(id, new GenerationInputRequest { Action = InputActions.RevisePlan, Phases = [new RevisedPhase { Name = "A" }] });

        (await act.Should().ThrowAsync<GenerationConflictException>()).Which.Message.Should().Contain("revise_plan needs the plan's review gate");
    }

    public static TheoryData<GenerationInputRequest, string> BadInputs => new()
    {
        { new GenerationInputRequest(), "'action' is required" },
        { new GenerationInputRequest { Action = "merge" }, "'action' must be one of" },
        { new GenerationInputRequest { Action = InputActions.Instruct }, "'instruction' must not be empty" },
        { new GenerationInputRequest { Action = InputActions.Instruct, Instruction = new string('x', 4_001) }, "the limit is 4000" },
        { new GenerationInputRequest { Action = InputActions.Instruct, Instruction = "a\u0000b" }, "control character U+0000" },
        { new GenerationInputRequest { Action = InputActions.RevisePlan }, "'phases' is required" },
        { new GenerationInputRequest { Action = InputActions.RevisePlan, Phases = [new RevisedPhase { Name = "A" }, new RevisedPhase { Name = "a" }] }, "more than once" },
        { new GenerationInputRequest { Action = InputActions.RevisePlan, Phases = [new RevisedPhase { Name = " " }] }, "'phases[0].name' is empty" },
        { new GenerationInputRequest { Action = InputActions.RevisePlan, Phases = [.. Enumerable.Range(0, 101).Select(i => new RevisedPhase { Name = $"P{i}" })] }, "the limit is 100" },
        { new GenerationInputRequest { Action = InputActions.EditFiles, Files = [new InputFile { Path = "../etc/passwd", Content = "x" }] }, "'files[0].path'" },
        { new GenerationInputRequest { Action = InputActions.EditFiles, Files = [new InputFile { Path = "a.txt" }] }, "'files[0].content' is required" },
        { new GenerationInputRequest { Action = InputActions.EditFiles, Files = [new InputFile { Path = "a.txt", Content = "x", Delete = true }] }, "not both" },
        { new GenerationInputRequest { Action = InputActions.Lock, Paths = ["/abs"] }, "'paths[0]'" },
        { new GenerationInputRequest { Action = InputActions.Lock, Paths = [] }, "'paths' is required" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task SendInputAsync_MalformedInput_IsRefusedNamingTheField(GenerationInputRequest input, string expected)
    {
        await using var harness = EngineHarness.Create();
        var id = await harness.Engine.StartAsync(new GenerationRequest("x") { Review = new ReviewRequest { Plan = true } });
        await harness.WaitForStageAsync(id, GenerationStages.AwaitingInput);

        var act = async () => await harness.Engine.SendInputAsync(id, input);

        (await act.Should().ThrowAsync<InvalidGenerationRequestException>()).Which.Message.Should().Contain(expected);
        (await harness.Engine.GetRecordAsync(id))!.Steering!.Inputs.Should().BeEmpty("nothing refused is stored");
    }

    [Fact]
    public async Task SendInputAsync_PastTheInstructionCap_IsALimitError()
    {
        await using var harness = EngineHarness.Create(configure: o => o.MaxInstructionsPerGeneration = 2);
        var id = await harness.Engine.StartAsync(new GenerationRequest("x") { Review = new ReviewRequest { Plan = true } });
        await harness.WaitForStageAsync(id, GenerationStages.AwaitingInput);
        await harness.Engine.SendInputAsync(id, new GenerationInputRequest { Action = InputActions.Instruct, Instruction = "one" });
        await harness.Engine.SendInputAsync(id, new GenerationInputRequest { Action = InputActions.Instruct, Instruction = "two" });

        var act = async () => await harness.Engine.SendInputAsync(id, new GenerationInputRequest { Action = InputActions.Instruct, Instruction = "three" });

        (await act.Should().ThrowAsync<GenerationInputLimitException>()).Which.Message.Should().Contain("MaxInstructionsPerGeneration");
    }

    [Fact]
    public async Task SendInputAsync_EditOfALockedPath_Is409()
    {
        await using var harness = EngineHarness.Create();
        var id = await harness.Engine.StartAsync(new GenerationRequest("x") { Review = new ReviewRequest { AfterPhases = PhaseSelection.Of(1) } });
        await WaitForGateAsync(harness, id, InputRequestKinds.Phase);
        await harness.Engine.SendInputAsync(id, new GenerationInputRequest { Action = InputActions.Lock, Paths = ["not/yet/there.txt"] });

        var act = async () => await harness.Engine.SendInputAsync(id, new GenerationInputRequest
        {
            Action = InputActions.EditFiles,
            Files = [new InputFile { Path = "not/yet/there.txt", Content = "x" }],
        });

        (await act.Should().ThrowAsync<GenerationConflictException>()).Which.Message.Should().Contain("is locked");
    }

    [Fact]
    public async Task SendInputAsync_UnknownOrEndedGeneration_IsNotFoundOrConflict()
    {
        await using var harness = EngineHarness.Create();
        var ended = await harness.CompleteGenerationAsync();

        var unknown = async () => await harness.Engine.SendInputAsync("nope", new GenerationInputRequest { Action = InputActions.Approve });
        var finished = async () => await harness.Engine.SendInputAsync(ended, new GenerationInputRequest { Action = InputActions.Instruct, Instruction = "x" });

        await unknown.Should().ThrowAsync<Iteration.Streaming.EventLog.GenerationNotFoundException>();
        (await finished.Should().ThrowAsync<GenerationConflictException>()).Which.Message.Should().Contain("has ended");
    }

    private static async Task<StreamingProgressEvent> WaitForGateAsync(EngineHarness harness, string id, string kind)
    {
        await using var subscription = await harness.Engine.WatchAsync(id);
        return await subscription.ReadEventsAsync()
            .FirstAsync(e => e.Stage == GenerationStages.AwaitingInput && e.InputRequest!.Kind == kind).AsTask().WithPatience();
    }

    private static async Task<string> ReadAsync(EngineHarness harness, string id, string path)
    {
        await using var stream = (await harness.Sink.OpenReadAsync(id, path))!;
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }
}
