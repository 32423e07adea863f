using Iteration.Streaming.Contracts;
using Iteration.Streaming.Engine;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Records;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Tests.Engine;

public sealed class ResumeTests
{
    private readonly SharedStores _stores = new();

    private EngineHarness Host(Action<Iteration.Streaming.Hosting.IterationStreamingOptions>? configure = null) =>
        EngineHarness.Create(configure: configure, build: _stores.Register);

    /// <summary>Runs a generation until phase <paramref name="phase"/> is under way, then stops the host gracefully.</summary>
    private async Task<string> InterruptAtAsync(int phase, params string[] entities)
    {
        await using var before = Host();
        var gate = before.Generator.StopAt(phase, fileIndex: 1);
        var id = await before.Engine.StartAsync(new GenerationRequest("Build a todo app", entities));
        await gate.Reached.WithPatience();
        await ((IAsyncDisposable)before.Engine).DisposeAsync().AsTask().WithPatience();
        return id;
    }

    private async Task<List<EventLogEntry>> ReadEntriesAsync(string id)
    {
        await using var subscription = await _stores.Log.SubscribeAsync(id);
        return await subscription.ReadAllAsync().ToListAsync().AsTask().WithPatience();
    }

    [Fact]
    public async Task Stop_WithADurableStore_WritesNoTerminalEvent_AndMarksTheRecordInterrupted()
    {
        var id = await InterruptAtAsync(phase: 2, "User");

        var latest = await _stores.Log.GetLatestAsync(id);
        var record = await _stores.Records.GetAsync(id);

        latest!.IsTerminal.Should().BeFalse();
        latest.Event.Stage.Should().Be("phase_2_progress");
        record!.Status.Should().Be(GenerationStatus.Processing);
        record.InterruptedAt.Should().NotBeNull();
        record.PhasesSaved.Should().Be(1);
        record.Attempts.Should().Be(1);
        record.Plan.Should().HaveCount(4);
    }

    [Fact]
    public async Task ResumeAfterARestart_BetweenAPhasesSaveAndItsGate_StopsAtThatGateWithoutRunningTheNextPhase()
    {
        var id = await InterruptAtAsync(phase: 2, "User");
        var record = await _stores.Records.GetAsync(id);
        await _stores.Records.UpdateAsync(id, new GenerationRecordUpdate
        {
            Steering = new RunSteering { Revision = 1, Review = new ReviewRequest { AfterPhases = PhaseSelection.Of(1) } },
        });

        await using var after = Host();
        await after.Internal.Recovery.ResumeInterruptedAsync(CancellationToken.None);
        var gate = await after.WaitForStageAsync(id, GenerationStages.AwaitingInput);
        var approved = await after.Engine.SendInputAsync(id, new GenerationInputRequest { Action = InputActions.Approve });
        var entries = await ReadEntriesAsync(id);

        record!.PhasesSaved.Should().Be(1);
        gate.InputRequest!.Should().Match<InputRequest>(r => r.Kind == InputRequestKinds.Phase && r.Phase == 1);
        approved.Status.Should().Be(GenerationStatus.Queued);
        entries[^1].Event.Status.Should().Be(GenerationStatus.Completed);
        entries.Count(e => e.Event.Stage == GenerationStages.AwaitingInput).Should().Be(1);
        entries.Select(e => e.Sequence).Should().Equal(Enumerable.Range(1, entries.Count).Select(i => (long)i));
    }

    [Fact]
    public async Task ResumeAfterARestart_ContinuesFromTheLastSavedPhase_WithContiguousIdsAndAResumedEvent()
    {
        var id = await InterruptAtAsync(phase: 2, "User");
        var before = await _stores.Log.GetLatestAsync(id);

        await using var after = Host();
        var resumed = await after.Internal.Recovery.ResumeInterruptedAsync(CancellationToken.None);
        var entries = await ReadEntriesAsync(id);

        resumed.Should().Be(1);
        entries.Select(e => e.Sequence).Should().Equal(Enumerable.Range(1, entries.Count).Select(i => (long)i));
        var first = entries.Single(e => e.Sequence == before!.Sequence + 1).Event;
        first.Stage.Should().Be(GenerationStages.Resumed);
        first.Status.Should().Be(GenerationStatus.Processing);
        first.Message.Should().Be("Resumed after a restart: phase 1 kept (5 files), continuing with phase 2");
        first.PhaseInfo.Should().BeEquivalentTo(new PhaseInfo
        {
            TotalPhases = 4,
            CurrentPhase = 2,
            EntitiesCount = 1,
            Phase = 2,
            Name = "User Entity",
            TotalFiles = 5,
            Phases = before is null ? null : entries.Single(e => e.Event.Stage == "phased_generation_started").Event.PhaseInfo!.Phases,
        });
        entries[^1].Event.Status.Should().Be(GenerationStatus.Completed);
        entries.Count(e => e.Event.Stage == "phase_1_complete").Should().Be(1);
        after.Generator.Calls.Select(c => c.Phase.Number).Should().Equal(2, 3, 4);
        after.Generator.Calls.Should().OnlyContain(c => c.Attempt == 2);
        (await _stores.Records.GetAsync(id))!.Attempts.Should().Be(2);
    }

    [Fact]
    public async Task AResumedRun_EndsWithTheSameFilesAsAnUninterruptedOne_AndProgressNeverGoesBack()
    {
        var id = await InterruptAtAsync(phase: 3, "User", "Task");
        await using var after = Host();
        await after.Internal.Recovery.ResumeInterruptedAsync(CancellationToken.None);
        var events = (await ReadEntriesAsync(id)).Select(e => e.Event).ToList();

        await using var fresh = EngineHarness.Create();
        var reference = await fresh.CompleteGenerationAsync("User", "Task");

        events.Select(e => e.Progress).Should().BeInAscendingOrder();
        var files = (await _stores.Sink.GetManifestAsync(id))!.Files.Select(f => (f.Path, f.Size, f.Phase));
        var expected = (await fresh.Sink.GetManifestAsync(reference))!.Files.Select(f => (f.Path, f.Size, f.Phase));
        files.Should().Equal(expected);
    }

    [Fact]
    public async Task ARunInterruptedMoreThanMaxResumeAttempts_EndsFailedSayingHowOften()
    {
        var id = await InterruptAtAsync(phase: 2, "User");
        for (var restart = 0; restart < 2; restart++)
        {
            await using var again = Host(o => o.MaxResumeAttempts = 2);
            var gate = again.Generator.StopAt(phase: 2, fileIndex: 1);
            await again.Internal.Recovery.ResumeInterruptedAsync(CancellationToken.None);
            await gate.Reached.WithPatience();
        }

        await using var last = Host(o => o.MaxResumeAttempts = 2);
        var resumed = await last.Internal.Recovery.ResumeInterruptedAsync(CancellationToken.None);
        var terminal = (await _stores.Log.GetLatestAsync(id))!;

        resumed.Should().Be(0);
        terminal.IsTerminal.Should().BeTrue();
        terminal.Event.Status.Should().Be(GenerationStatus.Failed);
        terminal.Event.Stage.Should().Be(GenerationStages.Error);
        terminal.Event.Error.Should().Contain("interrupted 3 times").And.Contain("MaxResumeAttempts is 2");
        last.Generator.Calls.Should().BeEmpty();
        (await _stores.Records.GetAsync(id))!.Status.Should().Be(GenerationStatus.Failed);
    }

    [Fact]
    public async Task AQueuedRunInterruptedBeforeItStarted_ResumesFromTheStart()
    {
        string queued;
        await using (var before = Host(o => o.MaxConcurrentGenerations = 1))
        {
            var gate = before.Generator.StopAt(phase: 1, fileIndex: 0);
            await before.Engine.StartAsync(new GenerationRequest("first"));
            await gate.Reached.WithPatience();
            queued = await before.Engine.StartAsync(new GenerationRequest("second"));
            await ((IAsyncDisposable)before.Engine).DisposeAsync().AsTask().WithPatience();
        }

        (await _stores.Log.GetLatestAsync(queued))!.Event.Stage.Should().Be(GenerationStages.Queued);
        await using var after = Host();
        await after.Internal.Recovery.ResumeInterruptedAsync(CancellationToken.None);
        var events = (await ReadEntriesAsync(queued)).Select(e => e.Event).ToList();

        events.Select(e => e.Stage).Should().StartWith(["queued", "resumed", "phased_generation_started", "phase_1_started"]);
        events[1].Message.Should().Be("Resumed after a restart: no phase was saved yet, continuing with phase 1");
        events[^1].Status.Should().Be(GenerationStatus.Completed);
    }

    [Fact]
    public async Task WithResumeOff_AnInterruptedRunIsLeft_AndCancellingItEndsIt()
    {
        var id = await InterruptAtAsync(phase: 2, "User");
        await using var after = Host(o => o.ResumeInterruptedRuns = false);

        var cancelled = await after.Engine.CancelAsync(id);
        var terminal = (await _stores.Log.GetLatestAsync(id))!;

        cancelled.Should().BeTrue();
        terminal.IsTerminal.Should().BeTrue();
        terminal.Event.Status.Should().Be(GenerationStatus.Cancelled);
        after.Generator.Calls.Should().BeEmpty();
    }

    [Fact]
    public async Task AResumedIteration_KeepsItsParentsFiles_AndWarnsAboutNothing()
    {
        string parent;
        await using (var first = Host())
        {
            parent = await first.CompleteGenerationAsync("User");
        }

        string id;
        await using (var before = Host())
        {
            var gate = before.Generator.StopAt(phase: 2, fileIndex: 1);
            id = await before.Engine.IterateAsync(new IterationRequest(parent, "add tests"));
            await gate.Reached.WithPatience();
            await ((IAsyncDisposable)before.Engine).DisposeAsync().AsTask().WithPatience();
        }

        await using var after = Host();
        await after.Internal.Recovery.ResumeInterruptedAsync(CancellationToken.None);
        var events = (await ReadEntriesAsync(id)).Select(e => e.Event).ToList();

        events[^1].Status.Should().Be(GenerationStatus.Completed);
        events.Should().NotContain(e => e.WarningType != null);
        var parentPaths = (await _stores.Sink.GetManifestAsync(parent))!.Files.Select(f => f.Path);
        (await _stores.Sink.GetManifestAsync(id))!.Files.Select(f => f.Path).Should().Contain(parentPaths);
    }
}
