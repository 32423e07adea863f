using Iteration.Streaming.Client.Tests.Infrastructure;
using Iteration.Streaming.Events;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Testing;

namespace Iteration.Streaming.Client.Tests.Watching;

/// <summary>
/// A run waiting at a review gate (status <c>awaiting_input</c>) is not over: the watch yields the gate event and goes
/// on through heartbeats, and through the server's stream closes while nobody answers, until the terminal event.
/// </summary>
public sealed class WatchGateTests
{
    private readonly string _id = TestEvents.NewId();

    [Fact]
    public async Task WatchAsync_RunAtAGate_YieldsTheRequestThenGoesOnThroughHeartbeatsToTheTerminalEvent()
    {
        var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var script = new ScriptedStream().Answer(async context =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync("retry: 10\n\n" + ScriptedStream.Frame(1, TestEvents.Progress(_id, 1)) + ScriptedStream.Frame(2, GateEvents.PlanGate(_id)));
            await context.Response.Body.FlushAsync();
            await answered.Task;
            await context.Response.WriteAsync(": heartbeat\n\n: heartbeat\n\n: heartbeat\n\n");
            await context.Response.Body.FlushAsync();
            await context.Response.WriteAsync(
                ScriptedStream.Frame(3, GateEvents.InputReceived(_id, GenerationStatus.Processing, "Approved: phase 1 next"))
                + ScriptedStream.Frame(4, TestEvents.Completed(_id)));
        });
        await using var host = await KestrelTestHost.StartAsync(configureApp: script.Map);
        await using var events = host.CreateIterationClient(TestClients.Patient()).WatchAsync(_id, "token").GetAsyncEnumerator();
        (await events.MoveNextAsync().WithPatience()).Should().BeTrue();
        (await events.MoveNextAsync().WithPatience()).Should().BeTrue();
        var gate = events.Current;

        var next = events.MoveNextAsync().AsTask();
        answered.SetResult();
        (await next.WithPatience()).Should().BeTrue();
        var received = events.Current;
        (await events.MoveNextAsync().WithPatience()).Should().BeTrue();
        var terminal = events.Current;
        var more = await events.MoveNextAsync().WithPatience();

        gate.Status.Should().Be(GenerationStatus.AwaitingInput);
        gate.IsTerminal.Should().BeFalse();
        gate.InputRequest!.Kind.Should().Be(InputRequestKinds.Plan);
        gate.InputRequest.Phases.Select(p => p.Name).Should().Equal("Project Setup", "User Entity", "Task Entity");
        gate.InputRequest.ExpiresAt.Should().Be(TestEvents.Epoch.AddHours(24));
        received.Stage.Should().Be(GenerationStages.InputReceived);
        terminal.Status.Should().Be(GenerationStatus.Completed);
        more.Should().BeFalse();
        script.LastEventIds.Should().Equal([string.Empty], "one connection carried the whole wait");
    }

    [Fact]
    public async Task WatchAsync_GateInputThatKeepsTheRunWaiting_YieldsItAndGoesOn()
    {
        var gate = GateEvents.PhaseGate(_id, 1);
        var script = new ScriptedStream().Sse(
            ScriptedStream.Frame(1, gate)
            + ScriptedStream.Frame(2, GateEvents.InputReceived(_id, GenerationStatus.AwaitingInput, "Instruction queued for phase 2", gate.InputRequest))
            + ScriptedStream.Frame(3, GateEvents.InputReceived(_id, GenerationStatus.Processing, "Approved: phase 2 next"))
            + ScriptedStream.Frame(4, TestEvents.Completed(_id)));
        await using var host = await KestrelTestHost.StartAsync(configureApp: script.Map);

        var events = await host.CreateIterationClient(TestClients.Patient()).WatchAsync(_id, "token").CollectAsync();

        events.Select(e => e.Status).Should().Equal(
            GenerationStatus.AwaitingInput, GenerationStatus.AwaitingInput, GenerationStatus.Processing, GenerationStatus.Completed);
        events[1].InputRequest.Should().BeEquivalentTo(gate.InputRequest);
    }

    [Fact]
    public async Task WatchAsync_LongWaitAcrossTheServersStreamLifetimes_IsNotCountedAsFailures()
    {
        // Nobody answers: the stream carries heartbeats only, and the server closes it at each lifetime. Each connection
        // stays healthy for longer than the stall timeout, so one failure allowed in a row is enough for any number.
        var faults = new StreamFaults();
        await using var host = await KestrelTestHost.StartAsync(
            o =>
            {
                o.HeartbeatInterval = TimeSpan.FromMilliseconds(20);
                o.MaxStreamLifetime = TimeSpan.FromMilliseconds(3000);
                o.RetryInterval = TimeSpan.FromMilliseconds(5);
            },
            configureApp: faults.MapWithFaults);
        var (id, token) = await host.CreateGenerationLogAsync();
        await host.EventLog.AppendAsync(TestEvents.Progress(id, 1));
        await host.EventLog.AppendAsync(GateEvents.PlanGate(id));
        var options = new IterationClientOptions
        {
            InitialReconnectDelay = TimeSpan.FromMilliseconds(5),
            MaxReconnectDelay = TimeSpan.FromMilliseconds(20),
            MaxConsecutiveFailures = 1,
            // A stream that lives its whole lifetime (3 s) outlasts the stall timeout, so it counts as working; the stall
            // timeout is far above the heartbeats (20 ms), so a starved machine does not turn a late one into a failure.
            StallTimeout = TimeSpan.FromMilliseconds(1500),
        };
        var logger = new FakeLogger<IterationClient>();
        await using var events = host.CreateIterationClient(options, logger: logger).WatchAsync(id, token).GetAsyncEnumerator();
        (await events.MoveNextAsync().WithPatience()).Should().BeTrue();
        (await events.MoveNextAsync().WithPatience()).Should().BeTrue();
        events.Current.Status.Should().Be(GenerationStatus.AwaitingInput);
        var atGate = faults.StreamRequests;
        var next = events.MoveNextAsync().AsTask();

        // Two of the server's closes in a row with no event in between: without the reset, the second gives up.
        var reconnected = faults.WaitForStreamRequestAsync(atGate + 2);
        var first = await Task.WhenAny(reconnected, next);
        first.Should().BeSameAs(reconnected, "the watch goes on at the gate ({0})", next.Exception?.InnerException?.Message);
        await reconnected;
        await host.EndGenerationAsync(TestEvents.Completed(id) with { Timestamp = host.Now });

        (await next.WithPatience()).Should().BeTrue();
        events.Current.Status.Should().Be(GenerationStatus.Completed);
        faults.LastEventIds.Skip(atGate).Take(2).Should().Equal(["2", "2"], string.Join(" | ", logger.Collector.GetSnapshot().Select(r => r.Message)));
    }
}
