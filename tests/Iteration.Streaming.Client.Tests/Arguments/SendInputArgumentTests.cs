using Iteration.Streaming.Contracts;

namespace Iteration.Streaming.Client.Tests.Arguments;

/// <summary>
/// The client's own checks of a review input and of review gates: a missing, malformed or hostile input is refused
/// before any request goes out, with an ArgumentException naming the field. The client points at a port where nothing
/// listens: a request that did go out would fail differently.
/// </summary>
public sealed class SendInputArgumentTests : IDisposable
{
    private static readonly GenerationHandle Handle = new(TestEvents.NewId(), "token") { ControlToken = "control" };
    private readonly HttpClient _http = new() { BaseAddress = Watching.WatchCancellationTests.ClosedPort() };
    private readonly IterationClient _client;

    public SendInputArgumentTests() => _client = new IterationClient(_http);

    public void Dispose() => _http.Dispose();

    public static TheoryData<GenerationInputRequest, string> BadInputs => new()
    {
        // Missing or unknown action.
        { new(), "input.Action is required" },
        { new() { Action = " " }, "input.Action is required" },
        { new() { Action = "APPROVE" }, "input.Action must be one of approve, revise_plan, edit_files, lock, instruct, cancel, but was 'APPROVE'" },
        { new() { Action = "approve\r\nX-Evil: 1" }, "but was 'approve??X-Evil: 1'" },
        { new() { Action = new string('a', 5000) }, "but was '" + new string('a', 40) + "…'" },

        // Fields the action does not read.
        { new() { Action = InputActions.Cancel, Instruction = "x" }, "input.Instruction does not apply to cancel" },
        { new() { Action = InputActions.Approve, Paths = ["a.ts"] }, "input.Paths does not apply to approve" },
        { new() { Action = InputActions.Lock, Paths = ["a.ts"], Files = [] }, "input.Files does not apply to lock" },
        { new() { Action = InputActions.Instruct, Instruction = "x", Phases = [] }, "input.Phases does not apply to instruct" },

        // Instructions.
        { new() { Action = InputActions.Instruct }, "input.Instruction is required for instruct" },
        { new() { Action = InputActions.Instruct, Instruction = " \t\n" }, "input.Instruction is required for instruct" },
        { new() { Action = InputActions.Approve, Instruction = "" }, "input.Instruction is empty" },

        // revise_plan.
        { new() { Action = InputActions.RevisePlan }, "input.Phases is required for revise_plan" },
        { new() { Action = InputActions.RevisePlan, Phases = [] }, "input.Phases is required for revise_plan" },
        { new() { Action = InputActions.RevisePlan, Phases = [new() { Name = "A" }, null!] }, "input.Phases[1] is null" },
        { new() { Action = InputActions.RevisePlan, Phases = [new() { Name = " " }] }, "input.Phases[0].Name is required" },
        { new() { Action = InputActions.RevisePlan, Phases = [new() { Name = "A", Entities = ["User", ""] }] }, "input.Phases[0].Entities[1]" },

        // edit_files.
        { new() { Action = InputActions.EditFiles }, "input.Files is required for edit_files" },
        { new() { Action = InputActions.EditFiles, Files = [null!] }, "input.Files[0] is null" },
        { new() { Action = InputActions.EditFiles, Files = [new() { Content = "x" }] }, "input.Files[0].Path is required" },
        { new() { Action = InputActions.EditFiles, Files = [new() { Path = "a.ts" }] }, "input.Files[0].Content is required unless Delete is true" },
        { new() { Action = InputActions.EditFiles, Files = [new() { Path = "a.ts", Delete = false }] }, "input.Files[0].Content is required unless Delete is true" },
        { new() { Action = InputActions.EditFiles, Files = [new() { Path = "a.ts", Content = "x", Delete = true }] }, "input.Files[0] has both Content and Delete" },

        // Hostile paths, in edits and locks.
        { new() { Action = InputActions.EditFiles, Files = [new() { Path = "../outside.ts", Content = "x" }] }, "input.Files[0].Path must be a relative path" },
        { new() { Action = InputActions.EditFiles, Files = [new() { Path = "/etc/passwd", Content = "x" }] }, "input.Files[0].Path must be a relative path" },
        { new() { Action = InputActions.Lock, Paths = ["src/./a.ts"] }, "input.Paths[0] must be a relative path" },
        { new() { Action = InputActions.Lock, Paths = ["src//a.ts"] }, "input.Paths[0] must be a relative path" },
        { new() { Action = InputActions.Lock, Paths = ["src\\a.ts"] }, "input.Paths[0] must be a relative path" },
        { new() { Action = InputActions.Lock, Paths = ["ok.ts", "a.ts\0.png"] }, "input.Paths[1] must be a relative path" },
        { new() { Action = InputActions.Lock, Paths = ["src/"] }, "input.Paths[0] must be a relative path" },
        { new() { Action = InputActions.Lock, Paths = [null!] }, "input.Paths[0] is required" },
        { new() { Action = InputActions.Lock, Paths = [] }, "input.Paths is required for lock" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task SendInputAsync_InputTheActionCannotUse_ThrowsArgumentExceptionNamingTheField(GenerationInputRequest input, string reason)
    {
        var act = () => _client.SendInputAsync(Handle, input);

        var thrown = (await act.Should().ThrowAsync<ArgumentException>()).Which;
        thrown.ParamName.Should().Be("input");
        thrown.Message.Should().Contain(reason);
    }

    [Fact]
    public async Task SendInputAsync_NullArguments_ThrowArgumentNullException()
    {
        await FluentActions.Awaiting(() => _client.SendInputAsync(null!, new GenerationInputRequest { Action = InputActions.Approve }))
            .Should().ThrowAsync<ArgumentNullException>().WithParameterName("handle");
        await FluentActions.Awaiting(() => _client.SendInputAsync(Handle, null!))
            .Should().ThrowAsync<ArgumentNullException>().WithParameterName("input");
        await FluentActions.Awaiting(() => _client.ApproveAsync(null!)).Should().ThrowAsync<ArgumentNullException>().WithParameterName("handle");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" \n")]
    public async Task InstructAsync_InstructionNullEmptyOrBlank_ThrowsArgumentException(string? instruction)
    {
        var act = () => _client.InstructAsync(Handle, instruction!);

        (await act.Should().ThrowAsync<ArgumentException>()).Which.ParamName.Should().Be("instruction");
    }

    [Theory]
    [InlineData("")]
    [InlineData("\t")]
    public async Task ApproveAsync_EmptyInstruction_ThrowsArgumentException(string instruction)
    {
        var act = () => _client.ApproveAsync(Handle, instruction);

        (await act.Should().ThrowAsync<ArgumentException>()).Which.ParamName.Should().Be("instruction");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    [InlineData(int.MinValue)]
    public async Task StartIterateRetry_ReviewWithAPhaseBelowOne_ThrowArgumentExceptionNamingTheReview(int phase)
    {
        var review = new ReviewRequest { AfterPhases = PhaseSelection.Of(phase, 2) };

        await FluentActions.Awaiting(() => _client.StartAsync("x", null, review)).Should().ThrowAsync<ArgumentException>()
            .WithParameterName("review").WithMessage("*review.AfterPhases*numbered from 1*");
        await FluentActions.Awaiting(() => _client.IterateAsync(Handle, "x", review)).Should().ThrowAsync<ArgumentException>().WithParameterName("review");
        await FluentActions.Awaiting(() => _client.IterateAsync(Handle.GenerationId, "x", review)).Should().ThrowAsync<ArgumentException>().WithParameterName("review");
        await FluentActions.Awaiting(() => _client.RetryAsync(Handle, review)).Should().ThrowAsync<ArgumentException>().WithParameterName("review");
    }
}
