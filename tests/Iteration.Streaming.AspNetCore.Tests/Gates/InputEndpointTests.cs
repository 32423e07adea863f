using System.Net;
using System.Text.Json;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Iteration.Streaming.Security;

namespace Iteration.Streaming.AspNetCore.Tests.Gates;

/// <summary>
/// <c>POST {prefix}/{id}/input</c> refusals: 400 naming the field, 409 naming the state, 429 past the instruction cap,
/// 401/403/404 as for cancel, 413/415 and malformed JSON as every JSON endpoint; never a 500.
/// </summary>
public sealed class InputEndpointTests : IAsyncLifetime
{
    private const int MaxFileSize = 1_000;
    private const int MaxPhaseBytes = 2_500;
    private const int MaxPhases = 6;
    private const int MaxLockedPaths = 3;
    private const int MaxInstructions = 2;

    private readonly ControlledPhaseGenerator _generator = new();
    private KestrelTestHost _host = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(
            o =>
            {
                o.MaxFileSize = MaxFileSize;
                o.MaxPhaseBytes = MaxPhaseBytes;
                o.MaxPhases = MaxPhases;
                o.MaxLockedPaths = MaxLockedPaths;
                o.MaxInstructionsPerGeneration = MaxInstructions;
                o.MaxPathLength = 100;
            },
            generator: _generator);
        _client = _host.CreateClient();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static string Json(string value) => JsonSerializer.Serialize(value);

    /// <summary>A generation waiting at its plan gate.</summary>
    private async Task<GenerationStartedResponse> AtPlanGateAsync()
    {
        var started = await _client.StartReviewedAsync("{\"plan\":true}");
        using var stream = await _client.GetStreamAsync(started.GenerationId, started.SseToken);
        await using var events = stream.ReadEventsAsync().GetAsyncEnumerator();
        await events.ReadUntilAsync(GateHttp.Stage(GenerationStages.AwaitingInput));
        return started;
    }

    /// <summary>A generation waiting at the gate after phase 1, which saved <c>src/a.txt</c>.</summary>
    private async Task<GenerationStartedResponse> AtPhaseGateAsync()
    {
        var started = await _client.StartReviewedAsync("{\"after_phases\":[1]}");
        using var stream = await _client.GetStreamAsync(started.GenerationId, started.SseToken);
        await using var events = stream.ReadEventsAsync().GetAsyncEnumerator();
        (await _generator.NextPhaseAsync()).Yield("src/a.txt", "a").Complete();
        await events.ReadUntilAsync(GateHttp.Stage(GenerationStages.AwaitingInput));
        return started;
    }

    /// <summary>A generation whose run is in phase 1, held there.</summary>
    private async Task<(GenerationStartedResponse Started, ControlledPhase Phase)> RunningAsync()
    {
        var started = await _host.StartGenerationAsync(_client);
        return (started, await _generator.NextPhaseAsync());
    }

    private async Task<string> RefusedAsync(GenerationStartedResponse started, string body, HttpStatusCode status)
    {
        using var response = await _client.SendInputAsync(started.GenerationId, started.ControlToken, body);
        return await response.ShouldBeProblemAsync(status);
    }

    [Theory]
    [InlineData("{}", "'action'")]
    [InlineData("{\"action\":null}", "'action'")]
    [InlineData("{\"action\":\"\"}", "'action'")]
    [InlineData("{\"action\":\"delete_everything\"}", "'action'")]
    [InlineData("{\"action\":\"APPROVE\"}", "'action'")]
    [InlineData("{\"action\":\"instruct\"}", "'instruction'")]
    [InlineData("{\"action\":\"instruct\",\"instruction\":\"\"}", "'instruction'")]
    [InlineData("{\"action\":\"instruct\",\"instruction\":\"   \"}", "'instruction'")]
    [InlineData("{\"action\":\"instruct\",\"instruction\":\"ring \\u0007 the bell\"}", "'instruction'")]
    [InlineData("{\"action\":\"instruct\",\"instruction\":\"\\u001b[31mred\"}", "'instruction'")]
    [InlineData("{\"action\":\"approve\",\"instruction\":\"\"}", "'instruction'")]
    [InlineData("{\"action\":\"revise_plan\"}", "'phases'")]
    [InlineData("{\"action\":\"revise_plan\",\"phases\":[]}", "'phases'")]
    [InlineData("{\"action\":\"revise_plan\",\"phases\":[{\"name\":\"A\"},{\"name\":\"a\"}]}", "'phases'")]
    [InlineData("{\"action\":\"revise_plan\",\"phases\":[{\"name\":\"\"}]}", "'phases[0].name'")]
    [InlineData("{\"action\":\"revise_plan\",\"phases\":[{\"name\":\"A\"},{\"name\":\"  \"}]}", "'phases[1].name'")]
    [InlineData("{\"action\":\"revise_plan\",\"phases\":[{\"entities\":[\"User\"]}]}", "'phases[0].name'")]
    [InlineData("{\"action\":\"revise_plan\",\"phases\":[{\"name\":\"line\\nbreak\"}]}", "'phases[0].name'")]
    [InlineData("{\"action\":\"revise_plan\",\"phases\":[null]}", "'phases[0]'")]
    [InlineData("{\"action\":\"lock\"}", "'paths'")]
    [InlineData("{\"action\":\"lock\",\"paths\":[]}", "'paths'")]
    [InlineData("{\"action\":\"lock\",\"paths\":[\"../escape.txt\"]}", "'paths[0]'")]
    [InlineData("{\"action\":\"lock\",\"paths\":[\"a.txt\",\"b.txt\",\"c.txt\",\"d.txt\"]}", "'paths'")]
    public async Task Input_BadFieldAtThePlanGate_Answers400NamingTheField(string body, string field)
    {
        var started = await AtPlanGateAsync();

        (await RefusedAsync(started, body, HttpStatusCode.BadRequest)).Should().Contain(field);
    }

    [Fact]
    public async Task Instruct_OverTheLengthCap_Answers400NamingTheFieldAndTheSetting()
    {
        var started = await AtPlanGateAsync();

        var detail = await RefusedAsync(started, $"{{\"action\":\"instruct\",\"instruction\":{Json(new string('x', 4_001))}}}", HttpStatusCode.BadRequest);

        detail.Should().Contain("'instruction'").And.Contain("MaxInstructionLength");
    }

    [Fact]
    public async Task RevisePlan_MorePhasesThanMaxPhases_Answers400NamingTheSetting()
    {
        var started = await AtPlanGateAsync();
        var phases = string.Join(',', Enumerable.Range(1, MaxPhases + 1).Select(i => $"{{\"name\":\"P{i}\"}}"));

        var detail = await RefusedAsync(started, $"{{\"action\":\"revise_plan\",\"phases\":[{phases}]}}", HttpStatusCode.BadRequest);

        detail.Should().Contain("'phases'").And.Contain("MaxPhases");
    }

    [Theory]
    [InlineData("{\"action\":\"edit_files\"}", "'files'")]
    [InlineData("{\"action\":\"edit_files\",\"files\":[]}", "'files'")]
    [InlineData("{\"action\":\"edit_files\",\"files\":[{\"path\":\"b.txt\"}]}", "'files[0].content'")]
    [InlineData("{\"action\":\"edit_files\",\"files\":[{\"path\":\"b.txt\",\"content\":\"b\",\"delete\":true}]}", "'files[0]' has both 'content' and 'delete'")]
    [InlineData("{\"action\":\"edit_files\",\"files\":[{\"content\":\"b\"}]}", "'files[0].path'")]
    [InlineData("{\"action\":\"edit_files\",\"files\":[{\"path\":\"b.txt\",\"content\":\"b\"},{\"path\":\"b.txt\",\"delete\":true}]}", "'files'")]
    public async Task EditFiles_BadFileAtThePhaseGate_Answers400NamingTheField(string body, string field)
    {
        var started = await AtPhaseGateAsync();

        (await RefusedAsync(started, body, HttpStatusCode.BadRequest)).Should().Contain(field);
    }

    [Fact]
    public async Task EditFiles_HostilePaths_Answer400NamingThePathField()
    {
        var started = await AtPhaseGateAsync();
        var answers = new List<(string Path, HttpStatusCode Status, string Body)>();

        foreach (var path in HostilePaths.All.Select(static (object[] row) => (string)row[0]))
        {
            using var response = await _client.SendInputAsync(
                started.GenerationId, started.ControlToken, $"{{\"action\":\"edit_files\",\"files\":[{{\"path\":{Json(path)},\"content\":\"x\"}}]}}");
            answers.Add((path, response.StatusCode, await response.Content.ReadAsStringAsync()));
        }

        answers.Should().OnlyContain(a => a.Status == HttpStatusCode.BadRequest && a.Body.Contains("files[0].path", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Lock_HostilePaths_Answer400NamingThePathField()
    {
        var started = await AtPlanGateAsync();
        var answers = new List<(string Path, HttpStatusCode Status, string Body)>();

        foreach (var path in HostilePaths.All.Select(static (object[] row) => (string)row[0]))
        {
            using var response = await _client.SendInputAsync(started.GenerationId, started.ControlToken, $"{{\"action\":\"lock\",\"paths\":[{Json(path)}]}}");
            answers.Add((path, response.StatusCode, await response.Content.ReadAsStringAsync()));
        }

        answers.Should().OnlyContain(a => a.Status == HttpStatusCode.BadRequest && a.Body.Contains("paths[0]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EditFiles_OneFileOverMaxFileSize_Answers400NamingTheContentAndTheSetting()
    {
        var started = await AtPhaseGateAsync();

        var detail = await RefusedAsync(
            started, $"{{\"action\":\"edit_files\",\"files\":[{{\"path\":\"b.txt\",\"content\":{Json(new string('é', (MaxFileSize / 2) + 1))}}}]}}", HttpStatusCode.BadRequest);

        detail.Should().Contain("'files[0].content'").And.Contain("MaxFileSize");
    }

    [Fact]
    public async Task EditFiles_FilesOverMaxPhaseBytes_Answers400NamingTheSetting()
    {
        var started = await AtPhaseGateAsync();
        var files = string.Join(',', Enumerable.Range(1, 3).Select(i => $"{{\"path\":\"f{i}.txt\",\"content\":{Json(new string('x', MaxFileSize))}}}"));

        var detail = await RefusedAsync(started, $"{{\"action\":\"edit_files\",\"files\":[{files}]}}", HttpStatusCode.BadRequest);

        detail.Should().Contain("'files'").And.Contain("MaxPhaseBytes");
    }

    [Fact]
    public async Task EditFiles_ALockedPath_IsRefusedNamingThePath()
    {
        var started = await AtPhaseGateAsync();
        using (var locked = await _client.SendInputAsync(started.GenerationId, started.ControlToken, "{\"action\":\"lock\",\"paths\":[\"src/a.txt\"]}"))
        {
            locked.StatusCode.Should().Be(HttpStatusCode.Accepted);
        }

        var detail = await RefusedAsync(started, "{\"action\":\"edit_files\",\"files\":[{\"path\":\"src/a.txt\",\"content\":\"mine\"}]}", HttpStatusCode.BadRequest);

        detail.Should().Contain("src/a.txt").And.Contain("locked");
    }

    [Theory]
    [InlineData("{\"action\":\"approve\"}")]
    [InlineData("{\"action\":\"revise_plan\",\"phases\":[{\"name\":\"A\"}]}")]
    [InlineData("{\"action\":\"edit_files\",\"files\":[{\"path\":\"a.txt\",\"content\":\"a\"}]}")]
    public async Task GateAction_WhileRunning_Answers409NamingTheStatus(string body)
    {
        var (started, phase) = await RunningAsync();

        var detail = await RefusedAsync(started, body, HttpStatusCode.Conflict);

        detail.Should().Contain("processing");
        phase.RunCancellation.IsCancellationRequested.Should().BeFalse();
        phase.Complete();
    }

    [Fact]
    public async Task RevisePlan_AtAPhaseGate_Answers409()
    {
        var started = await AtPhaseGateAsync();

        (await RefusedAsync(started, "{\"action\":\"revise_plan\",\"phases\":[{\"name\":\"A\"}]}", HttpStatusCode.Conflict)).Should().Contain("phase");
    }

    [Fact]
    public async Task EditFiles_AtThePlanGate_Answers409()
    {
        var started = await AtPlanGateAsync();

        (await RefusedAsync(started, "{\"action\":\"edit_files\",\"files\":[{\"path\":\"a.txt\",\"content\":\"a\"}]}", HttpStatusCode.Conflict)).Should().Contain("plan");
    }

    [Theory]
    [InlineData("{\"action\":\"approve\"}")]
    [InlineData("{\"action\":\"revise_plan\",\"phases\":[{\"name\":\"A\"}]}")]
    [InlineData("{\"action\":\"edit_files\",\"files\":[{\"path\":\"a.txt\",\"content\":\"a\"}]}")]
    [InlineData("{\"action\":\"lock\",\"paths\":[\"a.txt\"]}")]
    [InlineData("{\"action\":\"instruct\",\"instruction\":\"late\"}")]
    [InlineData("{\"action\":\"cancel\"}")]
    public async Task Input_AfterTheEnd_Answers409NamingTheStatus(string body)
    {
        var started = await AtPlanGateAsync();
        (await _client.AcceptedInputAsync(started, "{\"action\":\"cancel\"}")).Status.Should().Be(GenerationStatus.Cancelled);

        (await RefusedAsync(started, body, HttpStatusCode.Conflict)).Should().Contain("cancelled");
    }

    [Fact]
    public async Task Instruct_PastMaxInstructionsPerGeneration_Answers429NamingTheSetting()
    {
        var started = await AtPlanGateAsync();
        for (var i = 0; i < MaxInstructions; i++)
        {
            await _client.AcceptedInputAsync(started, $"{{\"action\":\"instruct\",\"instruction\":\"Rule {i}\"}}");
        }

        var detail = await RefusedAsync(started, "{\"action\":\"instruct\",\"instruction\":\"One too many\"}", HttpStatusCode.TooManyRequests);
        var approvingWithOne = await RefusedAsync(started, "{\"action\":\"approve\",\"instruction\":\"And another\"}", HttpStatusCode.TooManyRequests);

        detail.Should().Contain("MaxInstructionsPerGeneration");
        approvingWithOne.Should().Contain("MaxInstructionsPerGeneration");
        (await _client.AcceptedInputAsync(started, "{\"action\":\"approve\"}")).Action.Should().Be("approve", "an approval without an instruction still passes");
    }

    [Fact]
    public async Task Input_WithoutAToken_Answers401WithABearerChallenge()
    {
        var started = await AtPlanGateAsync();

        using var response = await _client.SendInputAsync(started.GenerationId, token: null, "{\"action\":\"approve\"}");

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Should().Contain("control_token");
        response.Headers.WwwAuthenticate.Should().ContainSingle().Which.Scheme.Should().Be("Bearer");
    }

    [Fact]
    public async Task Input_WithTheReadToken_Answers403AndDoesNotAct()
    {
        var started = await AtPlanGateAsync();

        using var response = await _client.SendInputAsync(started.GenerationId, started.SseToken, "{\"action\":\"approve\"}");
        var record = await _host.Records.GetAsync(started.GenerationId);

        await response.ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        record!.Status.Should().Be(GenerationStatus.AwaitingInput, "the sse_token must not act");
    }

    [Fact]
    public async Task Input_WithAnotherGenerationsControlToken_Answers403()
    {
        var started = await AtPlanGateAsync();
        var other = await AtPlanGateAsync();

        using var response = await _client.SendInputAsync(started.GenerationId, other.ControlToken, "{\"action\":\"approve\"}");

        await response.ShouldBeProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Input_WithTheControlTokenInTheUrl_Answers401()
    {
        var started = await AtPlanGateAsync();

        using var response = await _client.PostAsync(
            $"generations/{started.GenerationId}/input?token={Uri.EscapeDataString(started.ControlToken!)}",
            new StringContent("{\"action\":\"approve\"}", System.Text.Encoding.UTF8, "application/json"));

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Should().Contain("URL");
    }

    [Fact]
    public async Task Input_UnknownGenerationWithAGenuineToken_Answers401AsCancelDoes()
    {
        var id = Guid.NewGuid().ToString();

        using var response = await _client.SendInputAsync(id, _host.Tokens.IssueToken(id, StreamTokenScope.Control), "{\"action\":\"approve\"}");

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Should().NotContain(id);
    }

    [Theory]
    [InlineData("not%20an%20id")]
    [InlineData("..%2f..%2fetc")]
    public async Task Input_BadId_Answers400(string id)
    {
        using var response = await _client.SendInputAsync(id, token: null, "{\"action\":\"approve\"}");

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Should().Contain("generation id");
    }

    [Fact]
    public async Task Input_BodyOverTheLimit_Answers413()
    {
        var started = await AtPhaseGateAsync();

        var detail = await RefusedAsync(
            started, $"{{\"action\":\"instruct\",\"instruction\":{Json(new string('x', 4 * 1024 * 1024))}}}", HttpStatusCode.RequestEntityTooLarge);

        detail.Should().Contain("limit");
    }

    [Fact]
    public async Task Input_NotJson_Answers415()
    {
        var started = await AtPlanGateAsync();

        using var response = await _client.SendInputAsync(started.GenerationId, started.ControlToken, "{\"action\":\"approve\"}", "text/plain");

        (await response.ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType)).Should().Contain("application/json");
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("{\"action\":5}")]
    [InlineData("{\"action\":\"lock\",\"paths\":\"a.txt\"}")]
    [InlineData("{\"action\":\"revise_plan\",\"phases\":[\"A\"]}")]
    [InlineData("{\"action\":\"edit_files\",\"files\":[{\"path\":\"a\",\"delete\":\"yes\"}]}")]
    [InlineData("{\"action\":\"approve\"} trailing")]
    public async Task Input_MalformedJson_Answers400(string body)
    {
        var started = await AtPlanGateAsync();

        using var response = await _client.SendInputAsync(started.GenerationId, started.ControlToken, body);

        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        (await _host.Records.GetAsync(started.GenerationId))!.Status.Should().Be(GenerationStatus.AwaitingInput);
    }
}
