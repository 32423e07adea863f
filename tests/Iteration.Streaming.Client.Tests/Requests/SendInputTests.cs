using System.Net;
using System.Text.Json;
using Iteration.Streaming.Client.Tests.Infrastructure;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Client.Tests.Requests;

/// <summary>
/// <see cref="IterationClient.SendInputAsync"/> over HTTP against an endpoint that answers as the review-gate contract
/// says: the body each action sends, where the control token goes, and what each error answer becomes.
/// </summary>
public sealed class SendInputTests : IAsyncLifetime
{
    private const string ControlToken = "control.token-123";
    private const string ReadToken = "read.token-456";
    private readonly ScriptedInput _input = new();
    private readonly GenerationHandle _handle = new(TestEvents.NewId(), ReadToken) { ControlToken = ControlToken };
    private KestrelTestHost _host = null!;
    private IterationClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(configureApp: _input.Map);
        _client = _host.CreateIterationClient();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    public static TheoryData<string, GenerationInputRequest> EveryAction => new()
    {
        { "approve", new() { Action = InputActions.Approve } },
        { "approve with an instruction", new() { Action = InputActions.Approve, Instruction = "Use PostgreSQL" } },
        { "revise_plan", new() { Action = InputActions.RevisePlan, Phases = [new() { Name = "Users", Entities = ["User"] }, new() { Name = "Tasks" }] } },
        { "edit_files", new() { Action = InputActions.EditFiles, Files = [new() { Path = "src/a.ts", Content = "export const a = 1;\n" }, new() { Path = "b.ts", Delete = true }] } },
        { "lock", new() { Action = InputActions.Lock, Paths = ["src/a.ts", "package.json"] } },
        { "instruct", new() { Action = InputActions.Instruct, Instruction = "Use PostgreSQL, not SQLite" } },
        { "cancel", new() { Action = InputActions.Cancel } },
    };

    [Theory]
    [MemberData(nameof(EveryAction))]
    public async Task SendInputAsync_EachAction_PostsItAsJsonToTheInputRouteAndReturnsTheReceipt(string name, GenerationInputRequest input)
    {
        var accepted = await _client.SendInputAsync(_handle, input);

        var request = _input.OnlyRequest;
        request.GenerationId.Should().Be(_handle.GenerationId, name);
        request.ContentType.Should().StartWith("application/json");
        JsonSerializer.Serialize(request.Input, IterationStreamingJson.GenerationInputRequest)
            .Should().Be(JsonSerializer.Serialize(input, IterationStreamingJson.GenerationInputRequest), "the server reads what was sent");
        accepted.GenerationId.Should().Be(_handle.GenerationId);
        accepted.Action.Should().Be(input.Action);
        accepted.EventId.Should().Be(ScriptedInput.EventId);
    }

    [Fact]
    public async Task SendInputAsync_Body_UsesTheSnakeCaseWireNamesAndLeavesOutUnsetFields()
    {
        await _client.SendInputAsync(_handle, new GenerationInputRequest
        {
            Action = InputActions.EditFiles,
            Files = [new() { Path = "b.ts", Delete = true }],
        });

        var json = _input.OnlyRequest.Json;
        json.GetProperty("action").GetString().Should().Be("edit_files");
        json.GetProperty("files")[0].GetProperty("delete").GetBoolean().Should().BeTrue();
        json.EnumerateObject().Select(p => p.Name).Should().Equal("action", "files");
    }

    [Fact]
    public async Task SendInputAsync_ControlToken_GoesInTheAuthorizationHeaderNeverInTheUrl()
    {
        await _client.InstructAsync(_handle, "Use PostgreSQL");

        var request = _input.OnlyRequest;
        request.Authorization.Should().Be($"Bearer {ControlToken}");
        request.PathAndQuery.Should().Be($"/generations/{_handle.GenerationId}/input");
        request.Body.Should().NotContain(ControlToken).And.NotContain(ReadToken);
    }

    [Fact]
    public async Task SendInputAsync_HandleWithoutAControlToken_SendsNoAuthorizationOfItsOwn()
    {
        // A server that authorises by ownership gets the HttpClient's own credentials, not the read token.
        await _client.ApproveAsync(new GenerationHandle(_handle.GenerationId, ReadToken));

        _input.OnlyRequest.Authorization.Should().BeEmpty();
    }

    [Fact]
    public async Task ApproveAsync_WithAnInstruction_SendsApproveWithIt()
    {
        var accepted = await _client.ApproveAsync(_handle, "Add due dates");

        _input.OnlyRequest.Input.Should().Be(new GenerationInputRequest { Action = InputActions.Approve, Instruction = "Add due dates" });
        accepted.Status.Should().Be(GenerationStatus.Processing);
    }

    [Fact]
    public async Task InstructAsync_AtAGate_ReturnsTheStillWaitingStatus()
    {
        var accepted = await _client.InstructAsync(_handle, "Use PostgreSQL");

        _input.OnlyRequest.Input.Should().Be(new GenerationInputRequest { Action = InputActions.Instruct, Instruction = "Use PostgreSQL" });
        accepted.Status.Should().Be(GenerationStatus.AwaitingInput);
    }

    [Fact]
    public async Task SendInputAsync_CancelOfARunRunningElsewhere_ReturnsAReceiptWithoutAnEventId()
    {
        _input.Accepted($"{{\"generation_id\":\"{_handle.GenerationId}\",\"action\":\"cancel\",\"status\":\"processing\"}}");

        var accepted = await _client.SendInputAsync(_handle, new GenerationInputRequest { Action = InputActions.Cancel });

        accepted.EventId.Should().BeNull();
        accepted.Action.Should().Be(InputActions.Cancel);
    }

    [Theory]
    [InlineData(400, "instruction is over 4000 characters.")]
    [InlineData(401, "The control token has expired.")]
    [InlineData(403, "A read token cannot send input.")]
    [InlineData(404, "No generation has this id.")]
    [InlineData(409, "The generation is processing, not waiting at a review gate.")]
    [InlineData(429, "The generation already has 50 instructions.")]
    public async Task SendInputAsync_ErrorAnswer_ThrowsApiExceptionWithTheStatusAndTheServersDetail(int status, string detail)
    {
        _input.Problem(status, detail);

        var act = () => _client.InstructAsync(_handle, "Use PostgreSQL");

        var thrown = (await act.Should().ThrowAsync<IterationApiException>()).Which;
        thrown.StatusCode.Should().Be((HttpStatusCode)status);
        thrown.Problem!.Detail.Should().Be(detail);
        thrown.Message.Should().Contain(status.ToString(System.Globalization.CultureInfo.InvariantCulture)).And.Contain(detail);
    }

    [Fact]
    public async Task SendInputAsync_ValidationProblemNamingTheFieldOnlyInErrors_MessageNamesTheField()
    {
        _input.Answer((context, _) => Microsoft.AspNetCore.Http.Results.ValidationProblem(
            new Dictionary<string, string[]> { ["action"] = ["Unknown action."] }).ExecuteAsync(context));

        var act = () => _client.ApproveAsync(_handle);

        var thrown = (await act.Should().ThrowAsync<IterationApiException>()).Which;
        thrown.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        thrown.Message.Should().Contain("action: Unknown action.");
    }

    [Fact]
    public async Task SendInputAsync_OversizedBody_ServersRefusalBecomesApiException()
    {
        // Byte caps are the host's settings: the client sends, and reports the server's answer with its detail.
        const int limit = 64 * 1024;
        _input.Answer((context, recorded) => recorded.Body.Length > limit
            ? Microsoft.AspNetCore.Http.Results.Problem(detail: $"The request body is over {limit} bytes.", statusCode: 413).ExecuteAsync(context)
            : throw new InvalidOperationException("The body should have been over the limit."));
        var big = new GenerationInputRequest { Action = InputActions.EditFiles, Files = [new() { Path = "src/big.txt", Content = new string('x', 4 * limit) }] };

        var act = () => _client.SendInputAsync(_handle, big);

        var thrown = (await act.Should().ThrowAsync<IterationApiException>()).Which;
        thrown.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        thrown.Message.Should().Contain("over 65536 bytes");
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{}")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("{\"generation_id\":\"someone-else\",\"action\":\"approve\",\"event_id\":1,\"status\":\"processing\"}")]
    public async Task SendInputAsync_AcceptedButTheBodyIsNotAReceiptForThisGeneration_ThrowsApiException(string body)
    {
        _input.Accepted(body);

        var act = () => _client.ApproveAsync(_handle);

        (await act.Should().ThrowAsync<IterationApiException>()).Which.Message.Should().Contain("server");
    }
}
