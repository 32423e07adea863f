using System.Net;
using Iteration.Streaming.Client.Tests.Infrastructure;
using Iteration.Streaming.Events;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Testing;

namespace Iteration.Streaming.Client.Tests.Watching;

/// <summary>
/// A server that breaks the protocol (gaps, repeats, bad data, wrong content) must not make the client skip, repeat
/// or invent events. The server here is a hand-written stream endpoint on a real Kestrel host.
/// </summary>
public sealed class WatchProtocolTests : IAsyncLifetime
{
    private readonly ScriptedStream _script = new();
    private readonly FakeLogger<IterationClient> _logger = new();
    private readonly string _id = TestEvents.NewId();
    private KestrelTestHost _host = null!;
    private IterationClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(configureApp: _script.Map);
        _client = _host.CreateIterationClient(TestClients.Patient(), logger: _logger);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private string Frame(long id) => ScriptedStream.Frame(id, TestEvents.Progress(_id, (int)id));

    private string Terminal(long id) => ScriptedStream.Frame(id, TestEvents.Completed(_id));

    private Task<List<StreamingProgressEvent>> WatchAsync() => _client.WatchAsync(_id, "token").CollectAsync();

    private static List<string> Messages(IEnumerable<StreamingProgressEvent> events) => events.Select(e => e.Message).ToList();

    [Fact]
    public async Task WatchAsync_SequenceGap_ReconnectsFromTheLastContiguousEventAndFillsIt()
    {
        _script.Sse("retry: 1\n\n" + Frame(1) + Frame(3)).Sse(Frame(2) + Frame(3) + Terminal(4));

        var events = await WatchAsync();

        Messages(events).Should().Equal("Generated file 1", "Generated file 2", "Generated file 3", "Generation completed successfully");
        _script.LastEventIds.Should().Equal(string.Empty, "1");
        _logger.Collector.GetSnapshot().Should().Contain(r => r.Id.Id == 4002);
    }

    [Fact]
    public async Task WatchAsync_ServerReplaysEventsAlreadyYielded_YieldsEachOnce()
    {
        _script.Sse(Frame(1) + Frame(2)).Sse(Frame(1) + Frame(2) + Frame(2) + Frame(3) + Terminal(4));

        var events = await WatchAsync();

        Messages(events).Should().Equal("Generated file 1", "Generated file 2", "Generated file 3", "Generation completed successfully");
        _script.LastEventIds.Should().Equal(string.Empty, "2");
    }

    [Fact]
    public async Task WatchAsync_SnapshotReplayAcrossAGap_IsAcceptedAsTheEventsNoLongerRetained()
    {
        var snapshot = TestEvents.Progress(_id, 40) with { Replay = StreamingProgressEvent.SnapshotReplay };
        _script.Sse(Frame(1) + ScriptedStream.Frame(41, snapshot) + Terminal(42));

        var events = await WatchAsync();

        events.Select(e => e.Replay).Should().Equal(null, StreamingProgressEvent.SnapshotReplay, null);
        _script.LastEventIds.Should().ContainSingle();
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("null")]
    [InlineData("{\"generation_id\":\"x\"}")]
    [InlineData("{\"status\":42}")]
    public async Task WatchAsync_EventWhoseDataIsNotAnEvent_IsSkippedWithoutReconnecting(string data)
    {
        _script.Sse(Frame(1) + $"id: 2\ndata: {data}\n\n" + Terminal(3));

        var events = await WatchAsync();

        Messages(events).Should().Equal("Generated file 1", "Generation completed successfully");
        _script.LastEventIds.Should().ContainSingle();
        _logger.Collector.GetSnapshot().Should().Contain(r => r.Id.Id == 4003);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("+2")]
    [InlineData("2.0")]
    [InlineData("99999999999999999999999")]
    public async Task WatchAsync_EventWithoutAUsableId_IsIgnored(string id)
    {
        var bad = id.Length == 0 ? $"data: {TestEvents.Progress(_id, 99).ToWire()}\n\n" : ScriptedStream.Frame(0, TestEvents.Progress(_id, 99)).Replace("id: 0", "id: " + id, StringComparison.Ordinal);
        _script.Sse(Frame(1) + bad + Terminal(2));

        var events = await WatchAsync();

        Messages(events).Should().Equal("Generated file 1", "Generation completed successfully");
    }

    [Fact]
    public async Task WatchAsync_CommentsAndNamedEventsAndCrLfLineEnds_AreParsedLikeEventSourceDoes()
    {
        _script.Sse(": hello\r\n\r\nretry: 1\r\n\r\n" + Frame(1).Replace("\n", "\r\n", StringComparison.Ordinal) + ": heartbeat\n\n" + "event: other\n" + Terminal(2));

        var events = await WatchAsync();

        Messages(events).Should().Equal("Generated file 1", "Generation completed successfully");
    }

    [Fact]
    public async Task WatchAsync_SuccessButNotAnEventStream_IsRetried()
    {
        _script
            .Answer(async context =>
            {
                context.Response.ContentType = "text/html";
                await context.Response.WriteAsync("<html>captive portal</html>");
            })
            .Sse(Frame(1) + Terminal(2));

        var events = await WatchAsync();

        events.Should().HaveCount(2);
        _script.LastEventIds.Should().HaveCount(2);
    }

    [Fact]
    public async Task WatchAsync_StreamEndingBeforeTheTerminalEvent_ReconnectsAfterTheLastEvent()
    {
        _script.Sse(Frame(1)).Sse(string.Empty).Sse(Frame(2) + Terminal(3));

        var events = await WatchAsync();

        events.Should().HaveCount(3);
        _script.LastEventIds.Should().Equal(string.Empty, "1", "1");
    }

    [Fact]
    public async Task WatchAsync_EventsAfterTheTerminalEvent_AreNotYielded()
    {
        _script.Sse(Frame(1) + Terminal(2) + Frame(3));

        var events = await WatchAsync();

        events.Should().HaveCount(2);
        events[^1].IsTerminal.Should().BeTrue();
    }

    [Fact]
    public async Task WatchAsync_ErrorWithoutProblemDetails_ThrowsWithTheStatusAndNoProblem()
    {
        _script.Answer(async context =>
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            context.Response.ContentType = "application/problem+json";
            await context.Response.WriteAsync("{ not json");
        });

        var act = WatchAsync;

        var thrown = (await act.Should().ThrowAsync<IterationApiException>()).Which;
        thrown.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        thrown.Problem.Should().BeNull();
        thrown.Message.Should().Contain("403");
    }

    [Fact]
    public async Task WatchAsync_PermanentClientError_IsNotRetried()
    {
        _script.Answer(context =>
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return Task.CompletedTask;
        });

        var act = WatchAsync;

        (await act.Should().ThrowAsync<IterationApiException>()).Which.StatusCode.Should().Be(HttpStatusCode.MethodNotAllowed);
        _script.LastEventIds.Should().ContainSingle();
    }
}
