using Iteration.Streaming.Client.Tests.Infrastructure;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Iteration.Streaming.Sample.Console;

namespace Iteration.Streaming.Client.Tests.SampleConsole;

/// <summary>
/// The console sample's watch loop (as <c>Program</c> runs it) against the real engine with review gates: each gate is
/// answered from what the user typed, or approved when stdin is redirected, and the run completes.
/// </summary>
public sealed class GatePromptEndToEndTests : IAsyncLifetime
{
    private static readonly ReviewRequest PlanAndPhaseOne = new() { Plan = true, AfterPhases = PhaseSelection.Of(1) };
    private readonly InstantPhaseGenerator _generator = new();
    private readonly StringWriter _output = new();
    private KestrelTestHost _host = null!;
    private IterationClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(generator: _generator);
        _client = _host.CreateIterationClient();
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _output.DisposeAsync();
    }

    /// <summary>The loop of the sample's Program: show, and answer each gate.</summary>
    private async Task<List<StreamingProgressEvent>> WatchAsync(GenerationHandle handle, GatePrompt gates)
    {
        var events = new List<StreamingProgressEvent>();
        await foreach (var e in _client.WatchAsync(handle))
        {
            events.Add(e);
            if (e.Stage == GenerationStages.AwaitingInput && !await gates.AnswerAsync(handle, e, CancellationToken.None))
            {
                break;
            }
        }

        return events;
    }

    [Fact]
    public async Task Watch_UserApprovesThePlanAndInstructsAtPhaseOne_RunCompletes()
    {
        var handle = await _client.StartAsync("Build a task app", ["User"], PlanAndPhaseOne);
        var gates = new GatePrompt(_client, new StringReader("\nUse PostgreSQL\n"), _output, interactive: true);

        var events = await WatchAsync(handle, gates).WithPatience();

        events.Where(e => e.Stage == GenerationStages.AwaitingInput).Select(e => e.InputRequest!.Kind)
            .Should().Equal(InputRequestKinds.Plan, InputRequestKinds.Phase);
        events[^1].Status.Should().Be(GenerationStatus.Completed);
        _output.ToString().Should().Contain("Approved with your instruction").And.Contain("Phase 1 saved");
    }

    [Fact]
    public async Task Watch_StdinRedirected_ApprovesEachGateAndRunCompletes()
    {
        var handle = await _client.StartAsync("Build a task app", ["User"], PlanAndPhaseOne);
        var gates = new GatePrompt(_client, TextReader.Null, _output, interactive: false);

        var events = await WatchAsync(handle, gates).WithPatience();

        events[^1].Status.Should().Be(GenerationStatus.Completed);
        _output.ToString().Split("stdin is not a terminal: approving automatically.").Should().HaveCount(3, "two gates, each approved");
    }

    [Fact]
    public async Task Watch_UserCancelsAtThePlan_RunEndsCancelled()
    {
        var handle = await _client.StartAsync("Build a task app", ["User"], PlanAndPhaseOne);
        var gates = new GatePrompt(_client, new StringReader("c\n"), _output, interactive: true);

        var events = await WatchAsync(handle, gates).WithPatience();

        events[^1].Status.Should().Be(GenerationStatus.Cancelled);
        events.Should().NotContain(e => e.Stage == GenerationStages.PhaseStarted(1));
    }
}
