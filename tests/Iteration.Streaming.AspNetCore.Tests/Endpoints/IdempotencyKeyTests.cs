using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.AspNetCore.Tests.Endpoints;

/// <summary>
/// The <c>Idempotency-Key</c> header on start, iterate and retry: the same key and request answer the first 202 again
/// (same generation, fresh tokens) for <c>IdempotencyKeyLifetime</c>; another request with the key is 422.
/// </summary>
public sealed class IdempotencyKeyTests : IAsyncLifetime
{
    private const string Body = "{\"prompt\":\"Build a task app\",\"entities\":[\"User\"]}";
    private readonly FakeTimeProvider _clock = new(TestEvents.Epoch);
    private KestrelTestHost _host = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(configureServices: b => b.Services.AddSingleton<TimeProvider>(_clock));
        _client = _host.CreateClient();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private Task<HttpResponseMessage> StartAsync(string? key, string body = Body, string path = "generations", string? bearer = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return _client.SendAsync(request);
    }

    private static async Task<GenerationStartedResponse> AcceptedAsync(HttpResponseMessage response)
    {
        response.StatusCode.Should().Be(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationStartedResponse))!;
    }

    private async Task<int> GenerationCountAsync() =>
        (await _host.Records.ListEndedAsync()).Count + (await _host.Records.ListUnfinishedAsync()).Count;

    [Fact]
    public async Task Start_SameKeyAndBodyTwice_AnswersTheFirstGenerationWithFreshTokensAndStartsOnlyOne()
    {
        var key = Guid.NewGuid().ToString();
        using var firstResponse = await StartAsync(key);
        var first = await AcceptedAsync(firstResponse);

        using var secondResponse = await StartAsync(key, "{ \"entities\": [\"User\"], \"prompt\": \"Build a task app\" }");
        var second = await AcceptedAsync(secondResponse);

        second.GenerationId.Should().Be(first.GenerationId);
        second.StatusUrl.Should().Be(first.StatusUrl);
        second.StreamUrl.Should().Be(first.StreamUrl);
        secondResponse.Headers.Location!.OriginalString.Should().Be(first.StatusUrl);
        secondResponse.Headers.GetValues("Idempotent-Replayed").Should().Equal("true");
        firstResponse.Headers.Contains("Idempotent-Replayed").Should().BeFalse();
        (await _host.Tokens.ValidateAsync(first.GenerationId, second.ControlToken, Iteration.Streaming.Security.StreamTokenScope.Control))
            .Should().Be(Iteration.Streaming.Security.StreamTokenStatus.Valid);
        (await GenerationCountAsync()).Should().Be(1);
    }

    [Fact]
    public async Task Start_SameKeyWithAnotherBody_Answers422()
    {
        var key = Guid.NewGuid().ToString();
        using var first = await StartAsync(key);
        await AcceptedAsync(first);

        using var response = await StartAsync(key, "{\"prompt\":\"Build a shop\"}");

        (await response.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity)).Should().Contain("Idempotency-Key").And.Contain("different request");
        (await GenerationCountAsync()).Should().Be(1);
    }

    [Fact]
    public async Task Start_DifferentKeys_StartTwoGenerations()
    {
        using var first = await StartAsync(Guid.NewGuid().ToString());
        using var second = await StartAsync(Guid.NewGuid().ToString());

        (await AcceptedAsync(second)).GenerationId.Should().NotBe((await AcceptedAsync(first)).GenerationId);
    }

    [Fact]
    public async Task Start_SameKeyAfterTheLifetime_StartsANewGeneration()
    {
        var key = Guid.NewGuid().ToString();
        using var firstResponse = await StartAsync(key);
        var first = await AcceptedAsync(firstResponse);
        _clock.Advance(TimeSpan.FromHours(24));

        using var secondResponse = await StartAsync(key);

        (await AcceptedAsync(secondResponse)).GenerationId.Should().NotBe(first.GenerationId);
    }

    [Fact]
    public async Task Start_SameKeyJustBeforeTheLifetimeEnds_StillReplays()
    {
        var key = Guid.NewGuid().ToString();
        using var firstResponse = await StartAsync(key);
        var first = await AcceptedAsync(firstResponse);
        _clock.Advance(TimeSpan.FromHours(24) - TimeSpan.FromMilliseconds(1));

        using var secondResponse = await StartAsync(key);

        (await AcceptedAsync(secondResponse)).GenerationId.Should().Be(first.GenerationId);
    }

    [Fact]
    public async Task Start_ConcurrentRequestsWithOneKey_StartExactlyOneGeneration()
    {
        var key = Guid.NewGuid().ToString();

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => StartAsync(key)));

        try
        {
            responses.Should().OnlyContain(r => r.StatusCode == HttpStatusCode.Accepted || r.StatusCode == HttpStatusCode.Conflict);
            var conflicts = responses.Where(r => r.StatusCode == HttpStatusCode.Conflict).ToList();
            foreach (var conflict in conflicts)
            {
                (await conflict.ShouldBeProblemAsync(HttpStatusCode.Conflict)).Should().Contain("still being processed");
                conflict.Headers.RetryAfter.Should().NotBeNull();
            }

            var ids = new HashSet<string>();
            foreach (var accepted in responses.Where(r => r.StatusCode == HttpStatusCode.Accepted))
            {
                ids.Add((await AcceptedAsync(accepted)).GenerationId);
            }

            ids.Should().ContainSingle();
            (await GenerationCountAsync()).Should().Be(1);
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }

    [Fact]
    public async Task Start_RefusedRequest_FreesTheKeyForTheCorrectedRequest()
    {
        var key = Guid.NewGuid().ToString();
        using var refused = await StartAsync(key, "{\"prompt\":\"\"}");
        await refused.ShouldBeProblemAsync(HttpStatusCode.BadRequest);

        using var corrected = await StartAsync(key);

        await AcceptedAsync(corrected);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("tab\there")]
    [InlineData("a, b")]
    public async Task Start_MalformedKey_Answers400NamingTheHeader(string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "generations") { Content = new StringContent(Body, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);

        using var response = await _client.SendAsync(request);

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Should().Contain("Idempotency-Key").And.Contain("255");
        (await GenerationCountAsync()).Should().Be(0);
    }

    [Fact]
    public async Task Start_KeyOf256Characters_Answers400AndOf255IsAccepted()
    {
        using var tooLong = await StartAsync(new string('k', 256));
        using var longest = await StartAsync(new string('k', 255));

        await tooLong.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        await AcceptedAsync(longest);
    }

    [Fact]
    public async Task Start_KeySentTwice_Answers400()
    {
        var answer = await RawStartAsync("Idempotency-Key: a\r\nIdempotency-Key: b\r\n");

        answer.Should().StartWith("HTTP/1.1 400").And.Contain("must be sent once");
    }

    [Fact]
    public async Task Start_NonAsciiKey_Answers400AndStartsNothing()
    {
        // Kestrel refuses non-ASCII header bytes itself; a host that allows Latin-1 headers gets the header rule's 400.
        var answer = await RawStartAsync("Idempotency-Key: caf\u00e9\r\n");

        answer.Should().StartWith("HTTP/1.1 400");
        (await GenerationCountAsync()).Should().Be(0);
    }

    /// <summary>Headers no HttpClient sends: a repeated header line, a Latin-1 byte.</summary>
    private async Task<string> RawStartAsync(string headers)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(_host.BaseAddress.Host, _host.BaseAddress.Port);
        var stream = tcp.GetStream();
        var request = $"POST /generations HTTP/1.1\r\nHost: {_host.BaseAddress.Authority}\r\nContent-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(Body)}\r\nConnection: close\r\n{headers}\r\n{Body}";
        await stream.WriteAsync(Encoding.Latin1.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync().WithPatience();
    }

    [Fact]
    public async Task Iterate_SameKeyTwice_AnswersTheFirstIteration()
    {
        var parent = await _host.StartGenerationAsync(_client);
        using (var stream = await _client.GetStreamAsync(parent.GenerationId, parent.SseToken))
        {
            await stream.ReadAllEventsAsync().WithPatience();
        }

        var key = Guid.NewGuid().ToString();
        var body = $"{{\"parent_generation_id\":\"{parent.GenerationId}\",\"modification_prompt\":\"Add tags\"}}";
        using var firstResponse = await StartAsync(key, body, "generations/iterate", parent.ControlToken);
        using var secondResponse = await StartAsync(key, body, "generations/iterate", parent.ControlToken);
        using var otherBody = await StartAsync(key, body.Replace("Add tags", "Add labels", StringComparison.Ordinal), "generations/iterate", parent.ControlToken);

        (await AcceptedAsync(secondResponse)).GenerationId.Should().Be((await AcceptedAsync(firstResponse)).GenerationId);
        await otherBody.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task Iterate_SameKeyWithoutTheControlToken_Answers401AndRevealsNothing()
    {
        var parent = await _host.StartGenerationAsync(_client);
        using (var stream = await _client.GetStreamAsync(parent.GenerationId, parent.SseToken))
        {
            await stream.ReadAllEventsAsync().WithPatience();
        }

        var key = Guid.NewGuid().ToString();
        var body = $"{{\"parent_generation_id\":\"{parent.GenerationId}\",\"modification_prompt\":\"Add tags\"}}";
        using var first = await StartAsync(key, body, "generations/iterate", parent.ControlToken);
        await AcceptedAsync(first);

        using var stranger = await StartAsync(key, body, "generations/iterate");

        await stranger.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Start_SameKeyOnAnotherEndpoint_Answers422()
    {
        var key = Guid.NewGuid().ToString();
        var parent = await _host.StartGenerationAsync(_client);
        using (var stream = await _client.GetStreamAsync(parent.GenerationId, parent.SseToken))
        {
            await stream.ReadAllEventsAsync().WithPatience();
        }

        using var start = await StartAsync(key);
        await AcceptedAsync(start);

        using var iterate = await StartAsync(
            key, $"{{\"parent_generation_id\":\"{parent.GenerationId}\",\"modification_prompt\":\"x\"}}", "generations/iterate", parent.ControlToken);

        await iterate.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
    }
}
