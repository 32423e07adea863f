using System.Net;
using System.Text.Json;
using Iteration.Streaming.Client.Tests.Infrastructure;
using Iteration.Streaming.Events;
using Microsoft.AspNetCore.Http;

namespace Iteration.Streaming.Client.Tests.Watching;

/// <summary>
/// The client's side of the multiplexed stream against a scripted server on real Kestrel: what it sends (the set with
/// each member's token, the watch token, <c>from=</c>, the cursor), when it ends, how it resumes, and what it makes of a
/// server that breaks the protocol.
/// </summary>
public sealed class WatchManyProtocolTests : IAsyncLifetime
{
    private readonly ScriptedWatchServer _server = new();
    private readonly string _a = TestEvents.NewId();
    private readonly string _b = TestEvents.NewId();
    private KestrelTestHost _host = null!;
    private IterationClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(configureApp: _server.Map);
        _client = _host.CreateIterationClient(TestClients.Patient());
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private GenerationHandle[] Both => [new(_a, "token-a"), new(_b, "token-b")];

    private static string Retry => "retry: 1\n\n";

    [Fact]
    public async Task WatchManyAsync_TwoMembers_PostsEachReadTokenAndReadsWithTheWatchToken()
    {
        _server.Sse(Retry + ScriptedWatchServer.Frame("c1", TestEvents.Completed(_a)) + ScriptedWatchServer.Frame("c2", TestEvents.Completed(_b)));

        await _client.WatchManyAsync([new GenerationHandle(_a, "token-a"), GenerationHandle.ForOwner(_b)]).CollectAsync();

        var body = JsonDocument.Parse(_server.WatchBodies.Single()).RootElement.GetProperty("generations");
        body.GetArrayLength().Should().Be(2);
        body[0].GetProperty("id").GetString().Should().Be(_a);
        body[0].GetProperty("token").GetString().Should().Be("token-a");
        body[1].GetProperty("id").GetString().Should().Be(_b);
        body[1].TryGetProperty("token", out _).Should().BeFalse("a handle read by ownership sends no token");
        _server.StreamRequests.Single().Should().Be(new RecordedStreamRequest(string.Empty, "Bearer " + ScriptedWatchServer.WatchToken, string.Empty));
    }

    [Fact]
    public async Task WatchManyAsync_EveryMemberDeliversItsTerminalEvent_EndsWithoutReconnecting()
    {
        _server.Sse(Retry
            + ScriptedWatchServer.Frame("c1", TestEvents.Progress(_a, 0))
            + ScriptedWatchServer.Frame("c2", TestEvents.Progress(_b, 0))
            + ScriptedWatchServer.Frame("c3", TestEvents.Completed(_b))
            + ScriptedWatchServer.Frame("c4", TestEvents.Failed(_a))
            + ": the stream stays open after this\n\n");

        var received = await _client.WatchManyAsync(Both).CollectAsync();

        received.Select(e => (e.GenerationId, e.Status)).Should().Equal(
            (_a, GenerationStatus.Processing), (_b, GenerationStatus.Processing), (_b, GenerationStatus.Completed), (_a, GenerationStatus.Failed));
        _server.StreamRequests.Should().ContainSingle();
    }

    [Fact]
    public async Task WatchManyAsync_StreamEndsBeforeEveryTerminalEvent_ResumesWithTheLastCursorAndWithoutFrom()
    {
        _server
            .Sse(Retry + ScriptedWatchServer.Frame("c1", TestEvents.Progress(_a, 0)) + ScriptedWatchServer.Frame("c2", TestEvents.Completed(_a)))
            .Sse(Retry + ScriptedWatchServer.Frame("c3", TestEvents.Completed(_b)));

        var received = await _client.WatchManyAsync(Both, new WatchManyOptions { From = WatchManyFrom.Start }).CollectAsync();

        received.Should().HaveCount(3);
        _server.StreamRequests.Select(r => (r.Query, r.LastEventId)).Should().Equal(("?from=start", string.Empty), (string.Empty, "c2"));
    }

    [Fact]
    public async Task WatchManyAsync_ServerAnswers204_EndsQuietly()
    {
        _server
            .Sse(Retry + ScriptedWatchServer.Frame("c1", TestEvents.Completed(_a)))
            .StreamStatus(204);

        var received = await _client.WatchManyAsync(Both).CollectAsync();

        received.Should().ContainSingle().Which.GenerationId.Should().Be(_a);
        _server.StreamRequests.Last().LastEventId.Should().Be("c1");
    }

    [Fact]
    public async Task WatchManyAsync_ResumingFromACursor_SendsItOnTheFirstRequest()
    {
        _server.Sse(Retry + ScriptedWatchServer.Frame("c9", TestEvents.Completed(_a)) + ScriptedWatchServer.Frame("c10", TestEvents.Completed(_b)));

        await _client.WatchManyAsync(Both, new WatchManyOptions { From = WatchManyFrom.Start, LastEventId = "c8" }).CollectAsync();

        _server.StreamRequests.Single().Should().Match<RecordedStreamRequest>(r => r.LastEventId == "c8" && r.Query == string.Empty);
    }

    [Fact]
    public async Task WatchManyAsync_EventsWithoutAnIdOrWithTheHeldId_AreNotYielded()
    {
        _server.Sse(Retry
            + $"data: {TestEvents.Progress(_a, 0).ToWire()}\n\n"
            + ScriptedWatchServer.Frame("c1", TestEvents.Progress(_a, 1))
            + ScriptedWatchServer.Frame("c1", TestEvents.Progress(_a, 2))
            + ScriptedWatchServer.Frame("c2", TestEvents.Completed(_a))
            + ScriptedWatchServer.Frame("c3", TestEvents.Completed(_b)));

        var received = await _client.WatchManyAsync(Both).CollectAsync();

        received.Select(e => e.ToWire()).Should().Equal(
            TestEvents.Progress(_a, 1).ToWire(), TestEvents.Completed(_a).ToWire(), TestEvents.Completed(_b).ToWire());
    }

    [Fact]
    public async Task WatchManyAsync_EventOfAGenerationOutsideTheSetOrNotAnEvent_IsSkipped()
    {
        var stranger = TestEvents.NewId();
        _server.Sse(Retry
            + ScriptedWatchServer.Frame("c1", TestEvents.Completed(stranger))
            + "id: c2\ndata: {\"not\":\"an event\"}\n\n"
            + ScriptedWatchServer.Frame("c3", TestEvents.Completed(_a))
            + ScriptedWatchServer.Frame("c4", TestEvents.Completed(_b)));

        var received = await _client.WatchManyAsync(Both).CollectAsync();

        received.Select(e => e.GenerationId).Should().Equal(_a, _b);
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("caf\u00e9")]
    public async Task WatchManyAsync_IdTheClientCannotSendBack_ThrowsStreamExceptionWithTheLastGoodCursor(string id)
    {
        _server.Sse(Retry + ScriptedWatchServer.Frame("c1", TestEvents.Progress(_a, 0)) + $"id: {id}\ndata: {TestEvents.Completed(_a).ToWire()}\n\n");

        var act = () => _client.WatchManyAsync(Both).CollectAsync();

        (await act.Should().ThrowAsync<IterationStreamException>()).Which.Cursor.Should().Be("c1");
    }

    [Theory]
    [InlineData("""{"watch_token":"has space","stream_url":"/generations/stream","generations":["{a}","{b}"]}""")]
    [InlineData("""{"watch_token":"","stream_url":"/generations/stream","generations":["{a}","{b}"]}""")]
    [InlineData("""{"watch_token":"t","stream_url":"/generations/stream","generations":["{a}"]}""")]
    [InlineData("""{"watch_token":"t","stream_url":"/generations/stream","generations":["{b}","{a}"]}""")]
    [InlineData("""{"watch_token":"t","stream_url":"/generations/stream"}""")]
    [InlineData("not json")]
    public async Task WatchManyAsync_WatchAnswerTheStreamCannotBeReadWith_ThrowsApiException(string body)
    {
        _server.WatchJson(body.Replace("{a}", _a, StringComparison.Ordinal).Replace("{b}", _b, StringComparison.Ordinal));

        var act = () => _client.WatchManyAsync(Both).CollectAsync();

        (await act.Should().ThrowAsync<IterationApiException>()).Which.Message.Should().Contain("server");
        _server.StreamRequests.Should().BeEmpty();
    }

    [Theory]
    [InlineData(400, "generations[1].id is not a valid generation id.")]
    [InlineData(401, "generations[0] ('x'): The token's signature is not valid.")]
    [InlineData(403, "generations[1] ('x'): The token was issued for another generation.")]
    [InlineData(413, "The request body is too large.")]
    public async Task WatchManyAsync_WatchRefused_ThrowsApiExceptionWithTheServersDetail(int status, string detail)
    {
        _server.AnswerWatch(context => Results.Problem(detail: detail, statusCode: status).ExecuteAsync(context));

        var act = () => _client.WatchManyAsync(Both).CollectAsync();

        var error = (await act.Should().ThrowAsync<IterationApiException>()).Which;
        error.StatusCode.Should().Be((HttpStatusCode)status);
        error.Problem!.Detail.Should().Be(detail);
        error.Message.Should().Contain(detail);
    }

    [Theory]
    [InlineData(400, "Last-Event-ID is not a cursor of this watch set.")]
    [InlineData(401, "The watch token has expired.")]
    [InlineData(403, "Cross-site requests cannot read an owner's stream.")]
    [InlineData(404, "Not found.")]
    public async Task WatchManyAsync_StreamRefused_ThrowsApiExceptionWithoutRetrying(int status, string detail)
    {
        _server.StreamStatus(status, detail);

        var act = () => _client.WatchManyAsync(Both).CollectAsync();

        var error = (await act.Should().ThrowAsync<IterationApiException>()).Which;
        error.StatusCode.Should().Be((HttpStatusCode)status);
        error.Problem!.Detail.Should().Be(detail);
        _server.StreamRequests.Should().ContainSingle();
    }

    [Fact]
    public async Task WatchManyAsync_TooManyStreamsWithRetryAfter_WaitsThatLongThenReads()
    {
        // The client's own delay is an hour: only the Retry-After makes it a second.
        var time = new ObservedTimeProvider();
        var client = _host.CreateIterationClient(new IterationClientOptions { InitialReconnectDelay = TimeSpan.FromHours(1), MaxReconnectDelay = TimeSpan.FromHours(2) }, time);
        _server
            .StreamStatus(429, "The owner has 8 multiplexed streams open.", TimeSpan.FromSeconds(1))
            .Sse(ScriptedWatchServer.Frame("c1", TestEvents.Completed(_a)) + ScriptedWatchServer.Frame("c2", TestEvents.Completed(_b)));

        var watching = client.WatchManyAsync(Both).CollectAsync();
        var delay = await time.NextDelayAsync();
        var requestsWhileWaiting = _server.StreamRequests.Count;
        time.Clock.Advance(delay);
        var received = await watching;

        delay.Should().Be(TimeSpan.FromSeconds(1));
        requestsWhileWaiting.Should().Be(1);
        received.Should().HaveCount(2);
        _server.StreamRequests.Should().HaveCount(2);
    }

    [Fact]
    public async Task WatchManyAsync_TooManyStreamsAndNoRetriesLeft_ThrowsStreamExceptionCarryingThe429()
    {
        var client = _host.CreateIterationClient(new IterationClientOptions { MaxConsecutiveFailures = 0 });
        _server.StreamStatus(429, "The owner has 8 multiplexed streams open.", TimeSpan.FromSeconds(1));

        var act = () => client.WatchManyAsync(Both).CollectAsync();

        var error = (await act.Should().ThrowAsync<IterationStreamException>()).Which;
        error.InnerException.Should().BeOfType<IterationApiException>()
            .Which.Problem!.Detail.Should().Be("The owner has 8 multiplexed streams open.");
        error.Cursor.Should().BeNull();
    }

    [Fact]
    public async Task WatchOwnerAsync_StreamEndsOrAnswers204_ReconnectsWithTheCursorUntilCancelled()
    {
        var reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();
        _server
            .Sse(Retry + ScriptedWatchServer.Frame("o1", TestEvents.Completed(_a)))
            .StreamStatus(204)
            .Sse(Retry + ScriptedWatchServer.Frame("o2", TestEvents.Progress(_b, 0)))
            .AnswerStream(async context =>
            {
                context.Response.ContentType = "text/event-stream";
                await context.Response.WriteAsync(Retry);
                await context.Response.Body.FlushAsync();
                reading.TrySetResult();
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            });
        var received = new List<StreamingProgressEvent>();

        var watching = Task.Run(async () =>
        {
            await foreach (var e in _client.WatchOwnerAsync(new WatchManyOptions { From = WatchManyFrom.Start }, stop.Token))
            {
                received.Add(e);
            }
        });
        await reading.Task.WithPatience();
        await stop.CancelAsync();

        await watching.Invoking(t => t.WithPatience()).Should().ThrowAsync<OperationCanceledException>();
        received.Select(e => e.GenerationId).Should().Equal(_a, _b);
        _server.StreamRequests.Select(r => (r.Query, r.Authorization, r.LastEventId)).Should().Equal(
            ("?owner=me&from=start", string.Empty, string.Empty),
            ("?owner=me", string.Empty, "o1"),
            ("?owner=me", string.Empty, "o1"),
            ("?owner=me", string.Empty, "o2"));
    }

    [Fact]
    public async Task WatchOwnerAsync_ResumingFromACursor_SendsItOnTheFirstRequest()
    {
        _server.StreamStatus(401, "Sign in to read your generations.");

        var act = () => _client.WatchOwnerAsync(new WatchManyOptions { LastEventId = "o7" }).CollectAsync();

        (await act.Should().ThrowAsync<IterationApiException>()).Which.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        _server.StreamRequests.Single().Should().Be(new RecordedStreamRequest("?owner=me", string.Empty, "o7"));
    }
}
