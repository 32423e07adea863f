using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Iteration.Streaming.Client.Tests.Infrastructure;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Iteration.Streaming.Client.Tests.Requests;

/// <summary>
/// Diff, fork and revert as a server receives them (hand-written endpoints on a real Kestrel): the route, the query,
/// which token goes where, the body in snake_case; the answers read as the contract's types; and every refusal the
/// server may send (Problem Details, 400 to 429) as an <see cref="IterationApiException"/> with its status and detail.
/// </summary>
public sealed class DiffForkRevertRequestTests : IAsyncLifetime
{
    private static readonly string OtherId = TestEvents.NewId();
    private readonly GenerationHandle _handle = new(TestEvents.NewId(), "read-token") { ControlToken = "control-token" };
    private readonly ConcurrentQueue<Received> _requests = new();
    private Answer _answer = Answer.Json(StatusCodes.Status200OK, "{}");
    private KestrelTestHost _host = null!;
    private IterationClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(configureApp: app =>
        {
            app.MapGet("/generations/{id}/diff", RecordAsync);
            app.MapPost("/generations/{id}/fork", RecordAsync);
            app.MapPost("/generations/{id}/revert", RecordAsync);
        });
        _client = _host.CreateIterationClient();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    public static TheoryData<int> RefusalStatuses => [400, 401, 403, 404, 409, 413, 415, 429];

    private async Task RecordAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        _requests.Enqueue(new Received(
            context.Request.Method,
            context.Request.Path + context.Request.QueryString,
            context.Request.Headers.Authorization.ToString(),
            context.Request.Headers.Accept.ToString(),
            context.Request.ContentType ?? string.Empty,
            await reader.ReadToEndAsync()));
        context.Response.StatusCode = _answer.Status;
        context.Response.ContentType = _answer.ContentType;
        await context.Response.WriteAsync(_answer.Body);
    }

    private Received Single() => _requests.Should().ContainSingle().Subject;

    private static string Started(string id, string? forkedFrom = null, int? fromPhase = null) =>
        JsonSerializer.Serialize(
            new GenerationStartedResponse
            {
                GenerationId = id,
                SseToken = "new-read",
                ControlToken = "new-control",
                ForkedFrom = forkedFrom,
                FromPhase = fromPhase,
                StreamUrl = $"/generations/{id}/stream",
                StatusUrl = $"/generations/{id}",
            },
            IterationStreamingJson.GenerationStartedResponse);

    private string DiffBody() =>
        $$$"""
        {"generation_id":"{{{_handle.GenerationId}}}","against":"phase:1","against_generation_id":"{{{_handle.GenerationId}}}","against_phase":1,
         "files":[
          {"path":"src/App.cs","change":"modified","old_sha256":"aa","new_sha256":"bb","old_size":10,"new_size":12,"added_lines":2,"deleted_lines":1,
           "diff":"diff --git a/src/App.cs b/src/App.cs\n--- a/src/App.cs\n+++ b/src/App.cs\n@@ -1 +1,2 @@\n-a\n+b\n+c\n"},
          {"path":"src/logo.png","change":"added","new_sha256":"cc","new_size":4096,"skipped":"binary"},
          {"path":"src/Old.cs","change":"deleted","old_sha256":"dd","old_size":3,"added_lines":0,"deleted_lines":1},
          {"path":"src/Same.cs","change":"unchanged","old_sha256":"ee","new_sha256":"ee","old_size":5,"new_size":5}],
         "summary":{"added":1,"modified":1,"deleted":1,"unchanged":1,"added_lines":2,"deleted_lines":2},
         "truncated":false,
         "limits":{"max_files":1000,"max_file_bytes":1048576,"max_total_bytes":16777216}}
        """;

    private static Answer Problem(int status, string detail, string? type = null) =>
        Answer.Json(
            status,
            JsonSerializer.Serialize(new Dictionary<string, object?> { ["type"] = type, ["title"] = "Refused", ["status"] = status, ["detail"] = detail }),
            "application/problem+json");

    [Fact]
    public async Task DiffAsync_AgainstAnotherGeneration_SendsTheReadTokenInTheHeaderAndTheOthersInTheQuery()
    {
        _answer = Answer.Json(StatusCodes.Status200OK, DiffBody());

        await _client.DiffAsync(_handle, OtherId, "other-read");

        var request = Single();
        request.Method.Should().Be("GET");
        request.PathAndQuery.Should().Be($"/generations/{_handle.GenerationId}/diff?against={OtherId}&against_token=other-read");
        request.Authorization.Should().Be("Bearer read-token");
        request.Accept.Should().NotContain("text/x-diff");
    }

    [Fact]
    public async Task DiffAsync_AgainstAPhase_EscapesItAndSendsNoAgainstToken()
    {
        _answer = Answer.Json(StatusCodes.Status200OK, DiffBody());

        await _client.DiffAsync(_handle.GenerationId, "control-token", "phase:12");

        var request = Single();
        request.PathAndQuery.Should().Be($"/generations/{_handle.GenerationId}/diff?against=phase%3A12");
        request.Authorization.Should().Be("Bearer control-token");
    }

    [Fact]
    public async Task DiffAsync_HandleForOwner_SendsNoAuthorizationOfItsOwn()
    {
        _answer = Answer.Json(StatusCodes.Status200OK, DiffBody());

        await _client.DiffAsync(GenerationHandle.ForOwner(_handle.GenerationId), OtherId);

        var request = Single();
        request.Authorization.Should().BeEmpty();
        request.PathAndQuery.Should().NotContain("against_token");
    }

    [Fact]
    public async Task DiffAsync_WellFormedAnswer_IsReadWithEveryFileTheSummaryAndTheLimits()
    {
        _answer = Answer.Json(StatusCodes.Status200OK, DiffBody());

        var diff = await _client.DiffAsync(_handle, "phase:1");

        diff.AgainstPhase.Should().Be(1);
        diff.Files.Select(f => (f.Path, f.Change)).Should().Equal(
            ("src/App.cs", FileChangeKinds.Modified), ("src/logo.png", FileChangeKinds.Added), ("src/Old.cs", FileChangeKinds.Deleted), ("src/Same.cs", FileChangeKinds.Unchanged));
        diff.Files[0].Diff.Should().StartWith("diff --git a/src/App.cs b/src/App.cs\n");
        diff.Files[0].AddedLines.Should().Be(2);
        diff.Files[1].Skipped.Should().Be(DiffSkipReasons.Binary);
        diff.Summary.Should().Be(new GenerationDiffSummary { Added = 1, Modified = 1, Deleted = 1, Unchanged = 1, AddedLines = 2, DeletedLines = 2 });
        diff.Limits.MaxFileBytes.Should().Be(1_048_576);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("{\"generation_id\":\"x\"}")]
    public async Task DiffAsync_OkButTheBodyIsNotADiff_ThrowsApiException(string body)
    {
        _answer = Answer.Json(StatusCodes.Status200OK, body);

        var act = () => _client.DiffAsync(_handle, "phase:1");

        await act.Should().ThrowAsync<IterationApiException>();
    }

    [Fact]
    public async Task DiffPatchAsync_TextAnswer_SendsAcceptTextXDiffAndReturnsThePatchAsSent()
    {
        const string Patch = "diff --git a/ü.cs b/ü.cs\nnew file mode 100644\n--- /dev/null\n+++ b/ü.cs\n@@ -0,0 +1 @@\n+x\n\\ No newline at end of file\n";
        _answer = new Answer(StatusCodes.Status200OK, "text/x-diff; charset=utf-8", Patch);

        var patch = await _client.DiffPatchAsync(_handle, OtherId, "other-read");

        patch.Should().Be(Patch);
        var request = Single();
        request.Accept.Should().Be("text/x-diff");
        request.PathAndQuery.Should().EndWith("&against_token=other-read");
        request.Authorization.Should().Be("Bearer read-token");
    }

    [Fact]
    public async Task DiffPatchAsync_ServerAnswersJsonInstead_ThrowsApiExceptionNamingTheMediaType()
    {
        _answer = Answer.Json(StatusCodes.Status200OK, DiffBody());

        var act = () => _client.DiffPatchAsync(_handle, "phase:1");

        (await act.Should().ThrowAsync<IterationApiException>()).Which.Message.Should().Contain("application/json").And.Contain("text/x-diff");
    }

    [Fact]
    public async Task DiffAsync_AgainstGenerationRefused_ThrowsApiExceptionWithTheDetailNamingIt()
    {
        _answer = Problem(StatusCodes.Status403Forbidden, $"against generation '{OtherId}': the token is for another generation.");

        var act = () => _client.DiffAsync(_handle, OtherId, "someone-elses");

        var thrown = (await act.Should().ThrowAsync<IterationApiException>()).Which;
        thrown.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        thrown.Problem!.Detail.Should().StartWith($"against generation '{OtherId}'");
        thrown.Message.Should().Contain(OtherId);
    }

    [Theory]
    [MemberData(nameof(RefusalStatuses))]
    public async Task DiffAsync_Refused_ThrowsApiExceptionWithTheStatusAndDetail(int status)
    {
        _answer = Problem(status, $"refused with {status}");

        var act = () => _client.DiffAsync(_handle, "phase:3");

        var thrown = (await act.Should().ThrowAsync<IterationApiException>()).Which;
        thrown.StatusCode.Should().Be((HttpStatusCode)status);
        thrown.Problem!.Detail.Should().Be($"refused with {status}");
    }

    [Theory]
    [MemberData(nameof(RefusalStatuses))]
    public async Task DiffPatchAsync_Refused_ThrowsApiExceptionWithTheStatusAndDetail(int status)
    {
        _answer = Problem(status, $"refused with {status}");

        var act = () => _client.DiffPatchAsync(_handle, "phase:3");

        var thrown = (await act.Should().ThrowAsync<IterationApiException>()).Which;
        thrown.StatusCode.Should().Be((HttpStatusCode)status);
        thrown.Problem!.Detail.Should().Be($"refused with {status}");
    }

    [Fact]
    public async Task ForkAsync_EveryField_PostsThemInSnakeCaseWithTheControlToken()
    {
        var forkId = TestEvents.NewId();
        _answer = Answer.Json(StatusCodes.Status202Accepted, Started(forkId, _handle.GenerationId, 2));

        await _client.ForkAsync(_handle, 2, "Use PostgreSQL", new ReviewRequest { Plan = true }, new GenerationBudget { MaxTotalTokens = 9_000 });

        var request = Single();
        request.Method.Should().Be("POST");
        request.PathAndQuery.Should().Be($"/generations/{_handle.GenerationId}/fork");
        request.Authorization.Should().Be("Bearer control-token");
        request.ContentType.Should().StartWith("application/json");
        var body = JsonDocument.Parse(request.Body).RootElement;
        body.GetProperty("from_phase").GetInt32().Should().Be(2);
        body.GetProperty("modification_prompt").GetString().Should().Be("Use PostgreSQL");
        body.GetProperty("review").GetProperty("plan").GetBoolean().Should().BeTrue();
        body.GetProperty("budget").GetProperty("max_total_tokens").GetInt64().Should().Be(9_000);
    }

    [Fact]
    public async Task ForkAsync_OnlyThePhase_SendsOnlyFromPhase()
    {
        _answer = Answer.Json(StatusCodes.Status202Accepted, Started(TestEvents.NewId(), _handle.GenerationId, 1));

        await _client.ForkAsync(_handle, 1);

        JsonDocument.Parse(Single().Body).RootElement.EnumerateObject().Select(p => p.Name).Should().Equal("from_phase");
    }

    [Fact]
    public async Task ForkAsync_Accepted_ReturnsTheForksHandleWithForkedFromAndFromPhase()
    {
        var forkId = TestEvents.NewId();
        _answer = Answer.Json(StatusCodes.Status202Accepted, Started(forkId, _handle.GenerationId, 2));

        var fork = await _client.ForkAsync(_handle, 2);

        fork.GenerationId.Should().Be(forkId);
        fork.Token.Should().Be("new-read");
        fork.ControlToken.Should().Be("new-control");
        fork.ForkedFrom.Should().Be(_handle.GenerationId);
        fork.FromPhase.Should().Be(2);
        fork.StreamUrl.Should().Be($"/generations/{forkId}/stream");
    }

    [Fact]
    public async Task ForkAsync_HandleForOwner_SendsNoAuthorizationOfItsOwn()
    {
        _answer = Answer.Json(StatusCodes.Status202Accepted, Started(TestEvents.NewId(), _handle.GenerationId, 1));

        await _client.ForkAsync(GenerationHandle.ForOwner(_handle.GenerationId), 1);

        Single().Authorization.Should().BeEmpty();
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"generation_id\":\"../archive\",\"sse_token\":\"t\",\"stream_url\":\"/s\",\"status_url\":\"/s\"}")]
    public async Task ForkAsync_AcceptedButTheBodyIsNotAStartedGeneration_ThrowsApiException(string body)
    {
        _answer = Answer.Json(StatusCodes.Status202Accepted, body);

        var act = () => _client.ForkAsync(_handle, 1);

        (await act.Should().ThrowAsync<IterationApiException>()).Which.Message.Should().Contain("server");
    }

    [Theory]
    [MemberData(nameof(RefusalStatuses))]
    public async Task ForkAsync_Refused_ThrowsApiExceptionWithTheStatusAndDetail(int status)
    {
        _answer = Problem(status, $"refused with {status}");

        var act = () => _client.ForkAsync(_handle, 4);

        var thrown = (await act.Should().ThrowAsync<IterationApiException>()).Which;
        thrown.StatusCode.Should().Be((HttpStatusCode)status);
        thrown.Problem!.Detail.Should().Be($"refused with {status}");
        thrown.BudgetRefusal.Should().BeNull();
    }

    [Fact]
    public async Task ForkAsync_BudgetRefusal_ThrowsApiExceptionWithTheRefusal()
    {
        _answer = Answer.Json(
            StatusCodes.Status429TooManyRequests,
            $$"""{"type":"{{BudgetRefusal.ProblemType}}","status":429,"detail":"No tokens left today.","limit":"owner_tokens_per_day","allowed":1000,"used":1000}""",
            "application/problem+json");

        var act = () => _client.ForkAsync(_handle, 1);

        var refusal = (await act.Should().ThrowAsync<IterationApiException>()).Which.BudgetRefusal;
        refusal.Should().NotBeNull();
        refusal!.Limit.Should().Be("owner_tokens_per_day");
        refusal.Used.Should().Be(1000);
    }

    [Fact]
    public async Task RevertAsync_PathsAndTo_PostsThemWithTheControlToken()
    {
        var revertId = TestEvents.NewId();
        _answer = Answer.Json(StatusCodes.Status202Accepted, Started(revertId));

        var revert = await _client.RevertAsync(_handle, ["src/App.cs", "src/ü b.cs"], OtherId);

        revert.GenerationId.Should().Be(revertId);
        var request = Single();
        request.PathAndQuery.Should().Be($"/generations/{_handle.GenerationId}/revert");
        request.Authorization.Should().Be("Bearer control-token");
        var body = JsonDocument.Parse(request.Body).RootElement;
        body.GetProperty("paths").EnumerateArray().Select(p => p.GetString()).Should().Equal("src/App.cs", "src/ü b.cs");
        body.GetProperty("to").GetString().Should().Be(OtherId);
    }

    [Fact]
    public async Task RevertAsync_LockedPath_ThrowsConflictWithTheDetailNamingIt()
    {
        _answer = Problem(StatusCodes.Status409Conflict, "'paths[0]' ('src/App.cs') is locked in this generation.");

        var act = () => _client.RevertAsync(_handle, ["src/App.cs"], "phase:1");

        var thrown = (await act.Should().ThrowAsync<IterationApiException>()).Which;
        thrown.StatusCode.Should().Be(HttpStatusCode.Conflict);
        thrown.Message.Should().Contain("src/App.cs");
    }

    [Theory]
    [MemberData(nameof(RefusalStatuses))]
    public async Task RevertAsync_Refused_ThrowsApiExceptionWithTheStatusAndDetail(int status)
    {
        _answer = Problem(status, $"refused with {status}");

        var act = () => _client.RevertAsync(_handle, ["a.cs"], "phase:0");

        var thrown = (await act.Should().ThrowAsync<IterationApiException>()).Which;
        thrown.StatusCode.Should().Be((HttpStatusCode)status);
        thrown.Problem!.Detail.Should().Be($"refused with {status}");
    }

    private sealed record Received(string Method, string PathAndQuery, string Authorization, string Accept, string ContentType, string Body);

    private sealed record Answer(int Status, string ContentType, string Body)
    {
        public static Answer Json(int status, string body, string contentType = "application/json") => new(status, contentType, body);
    }
}
