using System.Net;
using Iteration.Streaming.Client.Tests.Infrastructure;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Client.Tests.Generations;

/// <summary>
/// Review gates end to end through the client against the real engine and endpoints, the test driving the generator:
/// the run stops at the plan and after a phase, the client's input continues it, the watch stays open throughout.
/// </summary>
public sealed class ReviewGateTests : IAsyncLifetime
{
    private static readonly ReviewRequest PlanAndPhaseOne = new() { Plan = true, AfterPhases = PhaseSelection.Of(1) };
    private readonly ControlledPhaseGenerator _generator = new();
    private KestrelTestHost _host = null!;
    private IterationClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(generator: _generator);
        _client = _host.CreateIterationClient();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static async Task<StreamingProgressEvent> NextAsync(IAsyncEnumerator<StreamingProgressEvent> events, Func<StreamingProgressEvent, bool> until)
    {
        while (true)
        {
            (await events.MoveNextAsync().WithPatience()).Should().BeTrue("the watch ends only at the terminal event");
            if (until(events.Current))
            {
                return events.Current;
            }

            events.Current.IsTerminal.Should().BeFalse($"the run ended before the expected event: {events.Current.Message}");
        }
    }

    private static bool IsGate(StreamingProgressEvent e) => e.Stage == GenerationStages.AwaitingInput;

    [Fact]
    public async Task StartAsync_ReviewOfThePlanAndPhaseOne_StopsTwiceAndCompletesAfterEachApproval()
    {
        var handle = await _client.StartAsync("Build a task app", ["User"], PlanAndPhaseOne);
        await using var events = _client.WatchAsync(handle).GetAsyncEnumerator();

        var planGate = await NextAsync(events, IsGate);
        planGate.Status.Should().Be(GenerationStatus.AwaitingInput);
        planGate.InputRequest!.Kind.Should().Be(InputRequestKinds.Plan);
        var phases = planGate.InputRequest.Phases.Count;
        phases.Should().BeGreaterThan(1);
        var approvedPlan = await _client.ApproveAsync(handle);
        approvedPlan.Status.Should().BeOneOf(GenerationStatus.Processing, GenerationStatus.Queued);
        approvedPlan.EventId.Should().NotBeNull();
        (await NextAsync(events, e => e.Stage == GenerationStages.InputReceived)).Status.Should().Be(GenerationStatus.Processing);

        (await _generator.NextPhaseAsync()).Yield("src/App.cs", "class App {}").Complete();
        var phaseGate = await NextAsync(events, IsGate);
        phaseGate.InputRequest!.Kind.Should().Be(InputRequestKinds.Phase);
        phaseGate.InputRequest.Phase.Should().Be(1);
        await _client.ApproveAsync(handle);
        for (var phase = 2; phase <= phases; phase++)
        {
            (await _generator.NextPhaseAsync()).Complete();
        }

        var last = await NextAsync(events, e => e.IsTerminal);
        last.Status.Should().Be(GenerationStatus.Completed);
    }

    [Fact]
    public async Task InstructAsync_AtAPhaseGate_KeepsTheRunWaitingUntilApproved()
    {
        var handle = await _client.StartAsync("Build a task app", ["User"], new ReviewRequest { AfterPhases = PhaseSelection.Of(1) });
        await using var events = _client.WatchAsync(handle).GetAsyncEnumerator();
        (await _generator.NextPhaseAsync()).Yield("src/App.cs", "class App {}").Complete();
        var gate = await NextAsync(events, IsGate);

        var instructed = await _client.InstructAsync(handle, "Use PostgreSQL");

        instructed.Status.Should().Be(GenerationStatus.AwaitingInput);
        var received = await NextAsync(events, e => e.Stage == GenerationStages.InputReceived);
        received.Status.Should().Be(GenerationStatus.AwaitingInput, "only approve continues a waiting run");
        received.InputRequest.Should().BeEquivalentTo(gate.InputRequest, "the last event always says what the run waits for");
        (await _client.ApproveAsync(handle)).Status.Should().BeOneOf(GenerationStatus.Processing, GenerationStatus.Queued);
        (await _generator.NextPhaseAsync()).Complete();
    }

    [Fact]
    public async Task GetSnapshotAsync_AtAGate_SaysAwaitingInputWithTheRequest()
    {
        var handle = await _client.StartAsync("Build a task app", ["User"], new ReviewRequest { Plan = true });
        await using var events = _client.WatchAsync(handle).GetAsyncEnumerator();
        await NextAsync(events, IsGate);

        var snapshot = await _client.GetSnapshotAsync(handle);

        snapshot.Status.Should().Be(GenerationStatus.AwaitingInput);
        snapshot.LastEvent!.InputRequest!.Kind.Should().Be(InputRequestKinds.Plan);
    }

    [Fact]
    public async Task SendInputAsync_CancelAtAGate_EndsTheWatchCancelled()
    {
        var handle = await _client.StartAsync("Build a task app", ["User"], new ReviewRequest { Plan = true });
        await using var events = _client.WatchAsync(handle).GetAsyncEnumerator();
        await NextAsync(events, IsGate);

        var accepted = await _client.SendInputAsync(handle, new GenerationInputRequest { Action = InputActions.Cancel });

        accepted.Status.Should().Be(GenerationStatus.Cancelled);
        var last = await NextAsync(events, e => e.IsTerminal);
        last.Status.Should().Be(GenerationStatus.Cancelled);
        (await events.MoveNextAsync().WithPatience()).Should().BeFalse();
    }

    [Fact]
    public async Task ApproveAsync_RunNotAtAGate_Throws409NamingTheStatus()
    {
        var handle = await _client.StartAsync("Build a task app", ["User"]);
        var phase = await _generator.NextPhaseAsync();

        var act = () => _client.ApproveAsync(handle);

        var thrown = (await act.Should().ThrowAsync<IterationApiException>()).Which;
        thrown.StatusCode.Should().Be(HttpStatusCode.Conflict);
        thrown.Message.Should().Contain(GenerationStatus.Processing);
        phase.Complete();
    }

    [Fact]
    public async Task SendInputAsync_ReadTokenAsTheControlToken_Throws403AndTheRunKeepsWaiting()
    {
        var handle = await _client.StartAsync("Build a task app", ["User"], new ReviewRequest { Plan = true });
        await using var events = _client.WatchAsync(handle).GetAsyncEnumerator();
        await NextAsync(events, IsGate);

        var act = () => _client.ApproveAsync(new GenerationHandle(handle.GenerationId, handle.Token) { ControlToken = handle.Token });

        (await act.Should().ThrowAsync<IterationApiException>()).Which.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await _client.GetSnapshotAsync(handle)).Status.Should().Be(GenerationStatus.AwaitingInput);
    }
}
