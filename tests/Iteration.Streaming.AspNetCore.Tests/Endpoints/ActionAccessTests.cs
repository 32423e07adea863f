using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Iteration.Streaming.Security;

namespace Iteration.Streaming.AspNetCore.Tests.Endpoints;

/// <summary>
/// Iterate (from a parent), cancel and retry act on a generation: they need its control token in the Authorization
/// header. No token 401, the read token 403, another generation's 403, any token in the URL 401.
/// </summary>
public sealed class ActionAccessTests : IAsyncLifetime
{
    private readonly ControlledPhaseGenerator _generator = new();
    private KestrelTestHost _host = null!;
    private HttpClient _client = null!;

    public static TheoryData<string> Actions => ["iterate", "cancel", "retry"];

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(generator: _generator);
        _client = _host.CreateClient();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    /// <summary>The request of an action on <paramref name="id"/>; the token goes in the header, or the URL when <paramref name="inUrl"/>.</summary>
    private static HttpRequestMessage Action(string action, string id, string? token, bool inUrl = false)
    {
        var query = inUrl && token is not null ? "?token=" + Uri.EscapeDataString(token) : string.Empty;
        var request = action switch
        {
            "iterate" => new HttpRequestMessage(HttpMethod.Post, "generations/iterate" + query)
            {
                Content = JsonContent.Create(
                    new IterateGenerationRequest { ParentGenerationId = id, ModificationPrompt = "Add due dates" },
                    IterationStreamingJson.IterateGenerationRequest),
            },
            "cancel" => new HttpRequestMessage(HttpMethod.Delete, $"generations/{id}{query}"),
            "retry" => new HttpRequestMessage(HttpMethod.Post, $"generations/{id}/retry{query}"),
            _ => throw new ArgumentOutOfRangeException(nameof(action)),
        };
        if (token is not null && !inUrl)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }

    private async Task<HttpResponseMessage> SendAsync(string action, string id, string? token, bool inUrl = false)
    {
        using var request = Action(action, id, token, inUrl);
        return await _client.SendAsync(request);
    }

    /// <summary>A generation whose run waits in its first phase.</summary>
    private async Task<(GenerationStartedResponse Started, ControlledPhase Phase)> RunningAsync()
    {
        var started = await _host.StartGenerationAsync(_client);
        return (started, await _generator.NextPhaseAsync());
    }

    [Theory]
    [MemberData(nameof(Actions))]
    public async Task Action_NoToken_Answers401WithABearerChallenge(string action)
    {
        var (started, phase) = await RunningAsync();

        using var response = await SendAsync(action, started.GenerationId, token: null);

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Should().Contain("control_token");
        response.Headers.WwwAuthenticate.Should().ContainSingle().Which.Scheme.Should().Be("Bearer");
        phase.RunCancellation.IsCancellationRequested.Should().BeFalse();
        phase.Complete();
    }

    [Theory]
    [MemberData(nameof(Actions))]
    public async Task Action_ReadToken_Answers403InsufficientScope(string action)
    {
        var (started, phase) = await RunningAsync();

        using var response = await SendAsync(action, started.GenerationId, started.SseToken);

        (await response.ShouldBeProblemAsync(HttpStatusCode.Forbidden)).Should().Contain("only reads").And.Contain("control_token");
        response.Headers.WwwAuthenticate.ToString().Should().Contain("insufficient_scope");
        phase.RunCancellation.IsCancellationRequested.Should().BeFalse("a read token, which travels in URLs, never cancels");
        phase.Complete();
    }

    [Theory]
    [MemberData(nameof(Actions))]
    public async Task Action_ControlTokenOfAnotherGeneration_Answers403(string action)
    {
        var (started, phase) = await RunningAsync();
        var other = await _host.StartGenerationAsync(_client);

        using var response = await SendAsync(action, started.GenerationId, other.ControlToken);

        (await response.ShouldBeProblemAsync(HttpStatusCode.Forbidden)).Should().Contain("another generation");
        phase.RunCancellation.IsCancellationRequested.Should().BeFalse();
        phase.Complete();
    }

    [Theory]
    [MemberData(nameof(Actions))]
    public async Task Action_ControlTokenInTheUrl_Answers401SayingWhereItBelongs(string action)
    {
        var (started, phase) = await RunningAsync();

        using var response = await SendAsync(action, started.GenerationId, started.ControlToken, inUrl: true);

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Should().Contain("URL").And.Contain("Authorization: Bearer");
        phase.RunCancellation.IsCancellationRequested.Should().BeFalse();
        phase.Complete();
    }

    [Theory]
    [MemberData(nameof(Actions))]
    public async Task Action_ControlTokenInTheUrlBesideOneInTheHeader_Answers401(string action)
    {
        var (started, phase) = await RunningAsync();
        using var request = Action(action, started.GenerationId, started.ControlToken);
        request.RequestUri = new Uri(request.RequestUri!.OriginalString + "?token=" + started.ControlToken, UriKind.Relative);

        using var response = await _client.SendAsync(request);

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        phase.Complete();
    }

    [Theory]
    [InlineData("not-a-token", "malformed")]
    [InlineData("Zm9yZ2Vk.dG9rZW4", "malformed")]
    public async Task Action_HostileToken_Answers401(string token, string detail)
    {
        foreach (var action in new[] { "iterate", "cancel", "retry" })
        {
            using var response = await SendAsync(action, Guid.NewGuid().ToString(), token);

            (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Should().Contain(detail, action);
        }
    }

    [Fact]
    public async Task Action_ExpiredControlTokenOfAnEndedRun_Answers401()
    {
        var (id, _) = await _host.CreateGenerationLogAsync();
        var control = _host.Tokens.IssueToken(id, StreamTokenScope.Control);
        await _host.Records.DeleteAsync(id);

        using var response = await SendAsync("cancel", id, control);

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Should().Contain("expired");
    }

    [Fact]
    public async Task Cancel_ControlToken_Answers202AndTheRunEndsCancelled()
    {
        var (started, phase) = await RunningAsync();
        using var stream = await _client.GetStreamAsync(started.GenerationId, started.SseToken);
        var reading = stream.ReadAllEventsAsync();

        using var response = await SendAsync("cancel", started.GenerationId, started.ControlToken);

        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
        phase.RunCancellation.IsCancellationRequested.Should().BeTrue();
        (await reading.WithPatience())[^1].ToProgressEvent().Status.Should().Be(GenerationStatus.Cancelled);
    }

    [Fact]
    public async Task Iterate_ParentsControlToken_Answers202WithBothTokensOfTheIteration()
    {
        var parent = await _host.StartGenerationAsync(_client);
        using (var stream = await _client.GetStreamAsync(parent.GenerationId, parent.SseToken))
        {
            var reading = stream.ReadAllEventsAsync();
            for (var phase = 0; phase < 4; phase++)
            {
                (await _generator.NextPhaseAsync()).Yield($"src/P{phase}.cs", "// code").Complete();
            }

            await reading.WithPatience();
        }

        using var response = await SendAsync("iterate", parent.GenerationId, parent.ControlToken);
        var started = await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationStartedResponse);

        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
        started!.GenerationId.Should().NotBe(parent.GenerationId);
        (await _host.Tokens.ValidateAsync(started.GenerationId, started.ControlToken, StreamTokenScope.Control)).Should().Be(StreamTokenStatus.Valid);
        (await _host.Tokens.ValidateAsync(started.GenerationId, started.SseToken, StreamTokenScope.Control)).Should().Be(StreamTokenStatus.InsufficientScope);
        (await _host.Tokens.ValidateAsync(parent.GenerationId, started.ControlToken, StreamTokenScope.Control)).Should().Be(StreamTokenStatus.OtherGeneration);
    }

    [Fact]
    public async Task Iterate_WithoutAValidToken_AnswersTheSameForAKnownAndAnUnknownParent()
    {
        var (known, phase) = await RunningAsync();
        var unknown = Guid.NewGuid().ToString();
        var forged = known.ControlToken![..^2] + (known.ControlToken[^2] == 'A' ? "BA" : "AA");

        var answers = new List<string>();
        foreach (var (id, token) in new[] { (known.GenerationId, (string?)null), (unknown, null), (known.GenerationId, forged), (unknown, "x.y") })
        {
            using var response = await SendAsync("iterate", id, token);
            answers.Add($"{(int)response.StatusCode} {(await response.ShouldBeProblemAsync(response.StatusCode)).Replace(id, "ID", StringComparison.Ordinal)}");
        }

        answers[0].Should().Be(answers[1], "a stranger must not learn that the parent exists (or is running: 409)");
        answers[2].Should().StartWith("401");
        answers[3].Should().StartWith("401");
        phase.Complete();
    }

    [Fact]
    public async Task Iterate_GenuineControlTokenOfAnUnknownParent_Answers401NotAnUnknownParent404()
    {
        var unknown = Guid.NewGuid().ToString();

        using var response = await SendAsync("iterate", unknown, _host.Tokens.IssueToken(unknown, StreamTokenScope.Control));

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Should().NotContain(unknown);
    }

    [Fact]
    public async Task Iterate_BadParentId_Answers400BeforeTheToken()
    {
        using var response = await SendAsync("iterate", "../../etc", token: null);

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Should().Contain("parent_generation_id");
    }
}
