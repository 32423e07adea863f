using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using CsCheck;

namespace Iteration.Streaming.AspNetCore.Tests.Fuzzing;

/// <summary>
/// Property-based fuzzing of every HTTP input: whatever the body, token, <c>Last-Event-ID</c>, file path or generation
/// id, the answer is a 2xx, or a 4xx with Problem Details; never a 5xx, never a hang (each request is bounded).
/// A failure prints CsCheck's seed; rerun with it (the <c>seed</c> argument) to reproduce.
/// </summary>
public sealed class HttpFuzzTests(FuzzHostFixture fixture) : IClassFixture<FuzzHostFixture>
{
    private const int Iterations = 100;

    private static readonly string[] ReadSuffixes = ["", "/stream", "/files", "/files/phase1/File1.cs", "/archive", "/live"];

    private HttpClient Client => fixture.Client;

    private Gen<string?> Tokens => Gen.Frequency(
        (1, Gen.Const<string?>((string?)null)),
        (4, FuzzGen.TokenLike.Select(t => (string?)t)),
        (2, Gen.Int[0, fixture.GenuineTokens.Count - 1].Select(i => (string?)fixture.GenuineTokens[i])),
        (1, Gen.Select(Gen.Int[0, fixture.GenuineTokens.Count - 1], Gen.Int[0, 200], Gen.Char['A', 'z'], (i, at, c) =>
        {
            var token = fixture.GenuineTokens[i];
            var chars = token.ToCharArray();
            chars[at % chars.Length] = c;
            return (string?)new string(chars);
        })));

    /// <summary>Sends, reads the whole answer within the client's bound, and checks it is 2xx, or a 4xx Problem Details.</summary>
    private async Task AssertAnswerAsync(HttpRequestMessage request, string input)
    {
        using var response = await Client.SendAsync(request, HttpCompletionOption.ResponseContentRead);
        var status = (int)response.StatusCode;
        var body = await response.Content.ReadAsStringAsync();
        var what = $"{request.Method} {request.RequestUri} with {input} answered {status}: {body}";

        status.Should().BeInRange(200, 499, what);
        if (status >= 400)
        {
            response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json", what);
            body.Should().NotBeEmpty(what);
            using var json = JsonDocument.Parse(body);
            json.RootElement.GetProperty("status").GetInt32().Should().Be(status, what);
            json.RootElement.GetProperty("detail").GetString().Should().NotBeNullOrWhiteSpace(what);
        }
    }

    private static HttpRequestMessage Request(HttpMethod method, string url, string? bearer = null)
    {
        var request = new HttpRequestMessage(method, new Uri(url, UriKind.Relative));
        if (bearer is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + bearer);
        }

        return request;
    }

    private static ByteArrayContent Content(byte[] body, string? contentType)
    {
        var content = new ByteArrayContent(body);
        if (contentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        return content;
    }

    [Fact]
    public async Task Start_AnyBody_AnswersAcceptedOrAProblem()
    {
        await Gen.Select(FuzzGen.Body("prompt", "entities"), FuzzGen.ContentType).SampleAsync(async (body, contentType) =>
        {
            using var request = Request(HttpMethod.Post, "generations");
            request.Content = Content(body, contentType);

            await AssertAnswerAsync(request, $"body {Convert.ToBase64String(body)} as {contentType}");
        }, iter: Iterations);
    }

    [Fact]
    public async Task Iterate_AnyBodyAndToken_AnswersAcceptedOrAProblem()
    {
        var parent = Gen.Frequency(
            (2, Gen.Const(fixture.Finished.GenerationId)),
            (1, Gen.Const(fixture.Other.GenerationId)),
            (2, FuzzGen.GenerationIdLike));
        var body = Gen.Frequency(
            (3, Gen.Select(parent, FuzzGen.Text(220), (id, prompt) => System.Text.Encoding.UTF8.GetBytes(
                new System.Text.Json.Nodes.JsonObject { ["parent_generation_id"] = id, ["modification_prompt"] = prompt }.ToJsonString()))),
            (2, FuzzGen.Body("parent_generation_id", "modification_prompt")));

        await Gen.Select(body, FuzzGen.ContentType, Tokens).SampleAsync(async (bytes, contentType, token) =>
        {
            using var request = Request(HttpMethod.Post, "generations/iterate", token);
            request.Content = Content(bytes, contentType);

            await AssertAnswerAsync(request, $"body {Convert.ToBase64String(bytes)} as {contentType}, token '{token}'");
        }, iter: Iterations);
    }

    [Fact]
    public async Task Retry_AnyIdTokenAndBody_AnswersAProblem()
    {
        // Genuine control tokens of a retryable generation would reach the engine; RetryEndpointTests covers those.
        var tokens = Tokens.Where(t => t != fixture.Finished.ControlToken && t != fixture.Other.ControlToken);
        var id = Gen.Frequency((1, Gen.Const(fixture.Finished.GenerationId)), (3, FuzzGen.GenerationIdLike));

        await Gen.Select(id, tokens, FuzzGen.Body("anything")).SampleAsync(async (generationId, token, body) =>
        {
            using var request = Request(HttpMethod.Post, $"generations/{Uri.EscapeDataString(generationId)}/retry", token);
            request.Content = Content(body, "application/json");

            await AssertAnswerAsync(request, $"id '{generationId}', token '{token}'");
        }, iter: Iterations);
    }

    [Fact]
    public async Task Reads_AnyTokenInTheHeaderOrTheQuery_AnswerOrRefuseWithAProblem()
    {
        var suffix = Gen.Int[0, ReadSuffixes.Length - 1].Select(i => ReadSuffixes[i]);
        var queryToken = Gen.Frequency((3, Tokens), (1, FuzzGen.Text(80).Select(t => (string?)t)));

        await Gen.Select(suffix, Tokens, queryToken, Gen.Bool).SampleAsync(async (path, header, query, useQuery) =>
        {
            var url = $"generations/{fixture.Finished.GenerationId}{path}";
            if (useQuery && query is not null)
            {
                url += "?token=" + Uri.EscapeDataString(query);
            }

            using var request = Request(HttpMethod.Get, url, header);

            await AssertAnswerAsync(request, $"header '{header}', query '{(useQuery ? query : null)}'");
        }, iter: Iterations);
    }

    [Fact]
    public async Task Stream_AnyLastEventIdInTheHeaderOrTheQuery_AnswersOrRefusesWithAProblem()
    {
        var number = Gen.Frequency(
            (3, Gen.Long.Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture))),
            (2, Gen.Int[0, 40].Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture))),
            (1, Gen.Char['0', '9'].Array[15, 40].Select(digits => new string(digits))));
        var header = Gen.Frequency((1, Gen.Const<string?>((string?)null)), (3, number.Select(n => (string?)n)), (2, FuzzGen.HeaderText(40).Select(t => (string?)t)));
        var query = Gen.Frequency((2, Gen.Const<string?>((string?)null)), (2, number.Select(n => (string?)n)), (2, FuzzGen.Text(40).Select(t => (string?)t)));

        await Gen.Select(header, query, Gen.Bool).SampleAsync(async (lastEventId, queryValue, tokenInQuery) =>
        {
            var url = $"generations/{fixture.Finished.GenerationId}/stream";
            var parameters = new List<string>();
            if (queryValue is not null)
            {
                parameters.Add("lastEventId=" + Uri.EscapeDataString(queryValue));
            }

            if (tokenInQuery)
            {
                parameters.Add("token=" + fixture.Finished.SseToken);
            }

            using var request = Request(HttpMethod.Get, parameters.Count == 0 ? url : url + "?" + string.Join('&', parameters), tokenInQuery ? null : fixture.Finished.SseToken);
            if (lastEventId is not null)
            {
                request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
            }

            await AssertAnswerAsync(request, $"Last-Event-ID '{lastEventId}', ?lastEventId '{queryValue}'");
        }, iter: Iterations);
    }

    [Fact]
    public async Task File_AnyPath_AnswersOrRefusesWithAProblem()
    {
        var segment = Gen.Frequency(
            (4, FuzzGen.PathText(24)),
            (2, Gen.OneOf("phase1", "File1.cs", "...", ".x", "x.", "%2e%2e", "%252e%252e", "con", "a:b", "C:", "~", " ", "\\..\\", "%00", "é")))
            .Where(s => s is not "." and not "..");
        var path = segment.Array[1, 8].Select(parts => string.Join('/', parts.Select(Uri.EscapeDataString)));

        await Gen.Select(path, Gen.Bool).SampleAsync(async (escapedPath, inQuery) =>
        {
            var url = $"generations/{fixture.Finished.GenerationId}/files/{escapedPath}";
            using var request = Request(HttpMethod.Get, inQuery ? url + "?token=" + fixture.Finished.SseToken : url, inQuery ? null : fixture.Finished.SseToken);

            await AssertAnswerAsync(request, $"path '{escapedPath}'");
        }, iter: Iterations);
    }

    [Fact]
    public async Task AnyEndpoint_AnyGenerationId_AnswersOrRefusesWithAProblem()
    {
        var endpoint = Gen.OneOf(
            (HttpMethod.Get, ""), (HttpMethod.Delete, ""), (HttpMethod.Post, "/retry"), (HttpMethod.Get, "/stream"),
            (HttpMethod.Get, "/files"), (HttpMethod.Get, "/files/a.cs"), (HttpMethod.Get, "/archive"));

        await Gen.Select(FuzzGen.GenerationIdLike, endpoint, Tokens).SampleAsync(async (id, target, token) =>
        {
            using var request = Request(target.Item1, $"generations/{Uri.EscapeDataString(id)}{target.Item2}", token);

            await AssertAnswerAsync(request, $"id '{id}', token '{token}'");
        }, iter: Iterations);
    }

    [Theory]
    [InlineData("generations/%00/stream")]
    [InlineData("generations/x/files/a%00b")]
    public async Task KestrelRefusesANulInThePath_BeforeAnyEndpoint(string url)
    {
        // Why the path generators leave NUL out: the server refuses it (400, empty), our endpoints never see it.
        using var response = await Client.GetAsync(url);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }
}
