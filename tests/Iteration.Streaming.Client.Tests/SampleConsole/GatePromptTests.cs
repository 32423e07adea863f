using System.Net;
using Iteration.Streaming.Client.Tests.Infrastructure;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Iteration.Streaming.Sample.Console;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Iteration.Streaming.Client.Tests.SampleConsole;

/// <summary>
/// The console sample at a review gate, against an endpoint that answers as the contract says: what it shows, what it
/// sends for what the user types, and that a redirected or ended stdin never leaves it hanging.
/// </summary>
public sealed class GatePromptTests : IAsyncLifetime
{
    private readonly ScriptedInput _input = new();
    private readonly GenerationHandle _handle = new(TestEvents.NewId(), "read") { ControlToken = "control" };
    private readonly StringWriter _output = new();
    private KestrelTestHost _host = null!;
    private IterationClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(configureApp: app =>
        {
            _input.Map(app);
            app.MapGet("/generations/{id}/files", (string id) => Results.Json(
                new GenerationFileList
                {
                    GenerationId = id,
                    Status = GenerationStatus.AwaitingInput,
                    Files =
                    [
                        new() { Path = "package.json", Size = 120, Phase = 1, Sha256 = new string('0', 64), Locked = true },
                        new() { Path = "src/user.ts", Size = 2048, Phase = 1, Sha256 = new string('1', 64), WrittenBy = FileAuthors.User },
                        new() { Path = "src/older.ts", Size = 10, Phase = 0, Sha256 = new string('2', 64) },
                    ],
                },
                IterationStreamingJson.GenerationFileList));
        });
        _client = _host.CreateIterationClient();
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _output.DisposeAsync();
    }

    private GatePrompt Prompt(string typed, bool interactive = true) => new(_client, new StringReader(typed), _output, interactive);

    [Fact]
    public async Task AnswerAsync_PlanGateAndEnter_ShowsThePhasesAndApproves()
    {
        var goOn = await Prompt("\n").AnswerAsync(_handle, GateEvents.PlanGate(_handle.GenerationId), CancellationToken.None);

        goOn.Should().BeTrue();
        _input.OnlyRequest.Input.Should().Be(new GenerationInputRequest { Action = InputActions.Approve });
        _input.OnlyRequest.Authorization.Should().Be("Bearer control");
        var shown = _output.ToString();
        shown.Should().Contain("Review the plan: 3 phases").And.Contain(" 1. Project Setup").And.Contain(" 3. Task Entity")
            .And.Contain("until 2025-10-18 00:24 UTC").And.Contain(GateAnswer.Prompt).And.Contain("Approved; the run is processing.");
    }

    [Fact]
    public async Task AnswerAsync_PhaseGateAndAnInstruction_ShowsThatPhasesFilesAndApprovesWithIt()
    {
        var goOn = await Prompt("Use PostgreSQL\n").AnswerAsync(_handle, GateEvents.PhaseGate(_handle.GenerationId, 1), CancellationToken.None);

        goOn.Should().BeTrue();
        _input.OnlyRequest.Input.Should().Be(new GenerationInputRequest { Action = InputActions.Approve, Instruction = "Use PostgreSQL" });
        var shown = _output.ToString();
        shown.Should().Contain("Phase 1 saved 2 files:").And.Contain("package.json").And.Contain("(locked)")
            .And.Contain("src/user.ts").And.Contain("(yours)").And.NotContain("src/older.ts");
        shown.Should().Contain("Approved with your instruction");
    }

    [Fact]
    public async Task AnswerAsync_Cancel_SendsCancel()
    {
        var goOn = await Prompt("c\n").AnswerAsync(_handle, GateEvents.PlanGate(_handle.GenerationId), CancellationToken.None);

        goOn.Should().BeTrue("the watch goes on to the cancelled event");
        _input.OnlyRequest.Input.Action.Should().Be(InputActions.Cancel);
        _output.ToString().Should().Contain("Cancel sent.");
    }

    [Fact]
    public async Task AnswerAsync_StdinNotATerminal_ApprovesWithoutReadingAndSaysSo()
    {
        var prompt = new GatePrompt(_client, new UnreadableReader(), _output, interactive: false);

        var goOn = await prompt.AnswerAsync(_handle, GateEvents.PlanGate(_handle.GenerationId), CancellationToken.None);

        goOn.Should().BeTrue();
        _input.OnlyRequest.Input.Should().Be(new GenerationInputRequest { Action = InputActions.Approve });
        _output.ToString().Should().Contain("stdin is not a terminal: approving automatically.").And.NotContain(GateAnswer.Prompt);
    }

    [Fact]
    public async Task AnswerAsync_InputEnded_ApprovesThisGateAndTheNextWithoutAsking()
    {
        var prompt = Prompt(string.Empty);

        await prompt.AnswerAsync(_handle, GateEvents.PlanGate(_handle.GenerationId), CancellationToken.None);
        await prompt.AnswerAsync(_handle, GateEvents.PhaseGate(_handle.GenerationId, 1), CancellationToken.None);

        _input.Requests.Select(r => r.Input.Action).Should().Equal(InputActions.Approve, InputActions.Approve);
        var shown = _output.ToString();
        shown.Split(GateAnswer.Prompt).Should().HaveCount(2, "the prompt is shown once, before the input ended");
        shown.Should().Contain("No more input: approving automatically.");
    }

    [Fact]
    public async Task AnswerAsync_InstructionRefused_ShowsTheServersDetailAndAsksAgain()
    {
        _input.Problem(StatusCodes.Status400BadRequest, "instruction is over 4000 characters.");

        var goOn = await Prompt(new string('x', 5000) + "\nshorter\n").AnswerAsync(_handle, GateEvents.PlanGate(_handle.GenerationId), CancellationToken.None);

        goOn.Should().BeTrue();
        _input.Requests.Select(r => r.Input.Instruction!.Length).Should().Equal(5000, 7);
        _output.ToString().Should().Contain("Not accepted: The server answered 400 (BadRequest): instruction is over 4000 characters.");
    }

    [Fact]
    public async Task AnswerAsync_RunNoLongerWaiting_SaysSoAndKeepsWatching()
    {
        _input.Problem(StatusCodes.Status409Conflict, "The generation is processing, not at a review gate.");

        var goOn = await Prompt("\n").AnswerAsync(_handle, GateEvents.PlanGate(_handle.GenerationId), CancellationToken.None);

        goOn.Should().BeTrue();
        _input.Requests.Should().ContainSingle();
        _output.ToString().Should().Contain("no longer waiting here").And.Contain("processing, not at a review gate");
    }

    [Theory]
    [InlineData(StatusCodes.Status401Unauthorized)]
    [InlineData(StatusCodes.Status403Forbidden)]
    [InlineData(StatusCodes.Status404NotFound)]
    public async Task AnswerAsync_AnswerNotAllowed_SaysWhyAndStopsWatching(int status)
    {
        _input.Problem(status, "Refused by the test.");

        var goOn = await Prompt("\n\n").AnswerAsync(_handle, GateEvents.PlanGate(_handle.GenerationId), CancellationToken.None);

        goOn.Should().BeFalse();
        _input.Requests.Should().ContainSingle("asking again would not help");
        _output.ToString().Should().Contain($"Could not answer the review: The server answered {status}").And.Contain("Refused by the test.");
    }

    [Fact]
    public async Task AnswerAsync_InterruptedWhileAsking_SendsNothing()
    {
        using var reader = new BlockingReader();
        using var interrupt = new CancellationTokenSource();
        var answering = new GatePrompt(_client, reader, _output, interactive: true).AnswerAsync(_handle, GateEvents.PlanGate(_handle.GenerationId), interrupt.Token);
        await reader.Reading.WithPatience();

        await interrupt.CancelAsync();

        (await answering.WithPatience()).Should().BeTrue("the watch goes on to see the run cancelled");
        _input.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task AnswerAsync_HostileNamesAndPaths_ReachTheTerminalWithoutControlCharacters()
    {
        var gate = GateEvents.PlanGate(_handle.GenerationId, [new() { Phase = 1, Name = "Setup\u001b[2J\u001b]0;pwned\u0007" }]) with { Message = "Review\u001b[31m the plan" };

        await Prompt("\n").AnswerAsync(_handle, gate, CancellationToken.None);

        var shown = _output.ToString();
        shown.Should().NotContain("\u001b").And.NotContain("\u0007").And.Contain("Setup?[2J?]0;pwned?").And.Contain("Review?[31m the plan");
    }

    [Fact]
    public async Task AnswerAsync_EventWithoutARequest_SendsNothing()
    {
        var goOn = await Prompt("\n").AnswerAsync(_handle, GateEvents.PlanGate(_handle.GenerationId) with { InputRequest = null }, CancellationToken.None);

        goOn.Should().BeTrue();
        _input.Requests.Should().BeEmpty();
    }

    /// <summary>Stands for a stdin that must not be read.</summary>
    private sealed class UnreadableReader : TextReader
    {
        public override string ReadLine() => throw new InvalidOperationException("A redirected stdin is not read at a gate.");
    }

    /// <summary>A terminal where the user types nothing: ReadLine blocks until disposed.</summary>
    private sealed class BlockingReader : TextReader
    {
        private readonly TaskCompletionSource _reading = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Reading => _reading.Task;

        public override string? ReadLine()
        {
            _reading.TrySetResult();
            _released.Task.GetAwaiter().GetResult();
            return null;
        }

        protected override void Dispose(bool disposing)
        {
            _released.TrySetResult();
            base.Dispose(disposing);
        }
    }
}
