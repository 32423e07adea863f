using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using CsCheck;
using Iteration.Streaming.AspNetCore.Tests.Fuzzing;
using Iteration.Streaming.Contracts;

namespace Iteration.Streaming.AspNetCore.Tests.Multiplex;

/// <summary>
/// Hostile input at both multiplex routes (CsCheck): any cursor, watch token or watch body is answered with a stream or a
/// 4xx problem, never a 500 or a hang. A failure prints CsCheck's seed.
/// </summary>
public sealed class MultiplexFuzzTests : IAsyncLifetime
{
    private const int Iterations = 150;

    private KestrelTestHost _host = null!;
    private HttpClient _client = null!;
    private GenerationWatchResponse _watch = null!;
    private List<(string Id, string Token)> _members = null!;
    private string _cursor = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(o => o.MaxMultiplexedStreamsPerOwner = 10_000);
        _client = _host.CreateClient();
        (_watch, _members) = await MultiplexTestSets.WatchLiveAsync(_host, _client, 3, eventsEach: 12);
        _cursor = await MultiplexTestSets.CursorAfterAsync(_client, _watch, 20);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    /// <summary>A genuine value with characters changed, cut, repeated or spliced, or hostile text.</summary>
    private static Gen<string> Mutated(string genuine) => Gen.Frequency(
        (3, Gen.Select(Gen.Int[0, genuine.Length - 1], FuzzGen.HeaderChar, (at, c) => string.Concat(genuine.AsSpan(0, at), c.ToString(), genuine.AsSpan(at + 1)))),
        (2, Gen.Int[0, genuine.Length - 1].Select(n => genuine[..n])),
        (1, Gen.Int[0, genuine.Length - 1].Select(at => genuine.Insert(at, genuine[at..]))),
        (1, Gen.Select(Gen.Int[0, genuine.Length - 1], FuzzGen.HeaderText(40), (at, text) => genuine.Insert(at, text))),
        (2, FuzzGen.HeaderText(200)),
        (1, FuzzGen.TokenLike),
        (1, Gen.Char[' ', '~'].Array[16_000, 17_000].Select(chars => new string(chars))));

    private static string Shown(string value) => value.Length <= 300 ? value : $"{value[..300]}… ({value.Length} characters)";

    private async Task<(HttpStatusCode Status, string? Body)> SendAsync(HttpRequestMessage request)
    {
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(TimeSpan.FromSeconds(20));
        if (response.Content.Headers.ContentType?.MediaType == "text/event-stream")
        {
            // An open stream: cut it, never read its endless body.
            return (response.StatusCode, null);
        }

        return (response.StatusCode, await response.Content.ReadAsStringAsync().WaitAsync(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task Stream_AnyCursor_AnswersAStreamA204OrA400Problem()
    {
        await Mutated(_cursor).SampleAsync(async cursor =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, MultiplexTestSets.UrlOf(_watch));
            request.Headers.TryAddWithoutValidation("Last-Event-ID", cursor);

            var (status, body) = await SendAsync(request);

            status.Should().BeOneOf([HttpStatusCode.OK, HttpStatusCode.NoContent, HttpStatusCode.BadRequest], $"cursor '{Shown(cursor)}': {body}");
            if (status == HttpStatusCode.BadRequest)
            {
                body.Should().Contain("\"detail\"");
            }
        }, iter: Iterations, threads: 1);
    }

    [Fact]
    public async Task Stream_AnyCursorInTheQuery_AnswersAStreamA204OrA400Problem()
    {
        // Kept under Kestrel's 8 KB request line (beyond it Kestrel answers 414 before any endpoint runs).
        var cursors = Gen.Frequency((3, Mutated(_cursor)), (1, FuzzGen.Text(100))).Where(c => Uri.EscapeDataString(c).Length < 6_000);

        await cursors.SampleAsync(async cursor =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, MultiplexTestSets.UrlOf(_watch) + "&lastEventId=" + Uri.EscapeDataString(cursor));

            var (status, body) = await SendAsync(request);

            status.Should().BeOneOf([HttpStatusCode.OK, HttpStatusCode.NoContent, HttpStatusCode.BadRequest], $"cursor '{Shown(cursor)}': {body}");
        }, iter: Iterations, threads: 1);
    }

    [Fact]
    public async Task Stream_AnyWatchToken_AnswersTheStreamOnlyForTheGenuineOneElse401()
    {
        await Mutated(_watch.WatchToken).SampleAsync(async token =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "generations/stream");
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);

            var (status, body) = await SendAsync(request);

            if (string.Equals(token.Trim(), _watch.WatchToken, StringComparison.Ordinal))
            {
                status.Should().Be(HttpStatusCode.OK);
            }
            else
            {
                status.Should().BeOneOf([HttpStatusCode.Unauthorized, HttpStatusCode.BadRequest], $"token '{Shown(token)}': {body}");
            }
        }, iter: Iterations, threads: 1);
    }

    [Fact]
    public async Task Watch_AnyBody_AnswersA200OrA4xxProblemNeverA500()
    {
        var member = Gen.Select(
            Gen.Frequency((3, Gen.Int[0, 2].Select(i => (JsonNode?)JsonValue.Create(_members[i].Id))), (2, FuzzGen.GenerationIdLike.Select(id => (JsonNode?)JsonValue.Create(id))), (1, FuzzGen.AnyJson)),
            Gen.Frequency((3, Gen.Int[0, 2].Select(i => (JsonNode?)JsonValue.Create(_members[i].Token))), (2, FuzzGen.TokenLike.Select(t => (JsonNode?)JsonValue.Create(t))), (1, FuzzGen.AnyJson)),
            Gen.Int[0, 4],
            (id, token, omit) =>
            {
                var entry = new JsonObject();
                if (omit != 0)
                {
                    entry["id"] = id;
                }

                if (omit != 1)
                {
                    entry["token"] = token;
                }

                return (JsonNode?)entry;
            });
        var body = Gen.Frequency(
            (5, Gen.Frequency((6, member), (1, FuzzGen.AnyJson)).Array[0, 6].Select(items => new JsonObject { ["generations"] = new JsonArray(items) }.ToJsonString())),
            (1, FuzzGen.AnyJson.Select(json => new JsonObject { ["generations"] = json }.ToJsonString())),
            (1, FuzzGen.Body("generations").Select(bytes => System.Text.Encoding.UTF8.GetString(bytes))));

        await body.SampleAsync(async json =>
        {
            using var response = await _client.PostWatchAsync(json).WaitAsync(TimeSpan.FromSeconds(20));
            var text = await response.Content.ReadAsStringAsync();

            response.StatusCode.Should().BeOneOf(
                [HttpStatusCode.OK, HttpStatusCode.BadRequest, HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden, HttpStatusCode.RequestEntityTooLarge],
                $"{json}: {text}");
            if (response.StatusCode != HttpStatusCode.OK)
            {
                response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json", text);
            }
        }, iter: Iterations, threads: 1);
    }
}
