using System.Net;
using System.Text;
using Iteration.Streaming.EventLog;

namespace Iteration.Streaming.AspNetCore.Tests.Endpoints;

public sealed class StreamEndpointTests(DefaultHostFixture fixture) : IClassFixture<DefaultHostFixture>
{
    private KestrelTestHost Host => fixture.Host;

    private HttpClient Client => fixture.Client;

    private async Task<(string Id, string Token, List<EventLogEntry> Entries)> CompletedGenerationAsync(int progressEvents)
    {
        var (id, token) = await Host.CreateGenerationLogAsync();
        var entries = new List<EventLogEntry>();
        for (var i = 0; i < progressEvents; i++)
        {
            entries.Add(await Host.EventLog.AppendAsync(TestEvents.Progress(id, i)));
        }

        entries.Add(await Host.EndGenerationAsync(TestEvents.Completed(id) with { Timestamp = Host.Now }));
        return (id, token, entries);
    }

    [Fact]
    public async Task Stream_SendsTheSseHeaders()
    {
        var (id, token, _) = await CompletedGenerationAsync(1);

        using var response = await Client.GetStreamAsync(id, token);

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        response.Headers.CacheControl!.NoCache.Should().BeTrue();
        response.Headers.GetValues("X-Accel-Buffering").Should().Equal("no");
        response.Headers.GetValues("Referrer-Policy").Should().Equal("no-referrer");
        response.Content.Headers.ContentEncoding.Should().BeSubsetOf(["identity"]);
    }

    [Fact]
    public async Task Stream_WritesTheRetryLineFirstThenEachReadyFrameAsIs()
    {
        var (id, token, entries) = await CompletedGenerationAsync(3);

        using var response = await Client.GetStreamAsync(id, token);
        var body = await response.Content.ReadAsStringAsync().WithPatience();

        var expected = "retry: 2000\n\n" + string.Concat(entries.Select(e => Encoding.UTF8.GetString(e.Frame.Span)));
        body.Should().Be(expected);
    }

    [Fact]
    public async Task Stream_EventsCarryIdsAndNoEventName()
    {
        var (id, token, entries) = await CompletedGenerationAsync(3);

        using var response = await Client.GetStreamAsync(id, token);
        var items = await response.ReadAllEventsAsync().WithPatience();

        items.Select(i => i.Sequence()).Should().Equal(entries.Select(e => e.Sequence));
        items.Should().OnlyContain(i => i.EventType == "message", "the guide's clients listen with onmessage");
        items.Select(i => i.ToProgressEvent()).Should().BeEquivalentTo(entries.Select(e => e.Event), o => o.WithStrictOrdering());
    }

    [Fact]
    public async Task Stream_LateJoinerWithoutLastEventId_GetsTheWholeHistoryThenLiveEvents()
    {
        var (id, token) = await Host.CreateGenerationLogAsync();
        for (var i = 0; i < 5; i++)
        {
            await Host.EventLog.AppendAsync(TestEvents.Progress(id, i));
        }

        using var response = await Client.GetStreamAsync(id, token);
        await using var events = response.ReadEventsAsync().GetAsyncEnumerator();
        for (var expected = 1; expected <= 5; expected++)
        {
            (await events.MoveNextAsync().AsTask().WithPatience()).Should().BeTrue();
            events.Current.Sequence().Should().Be(expected);
        }

        await Host.EventLog.AppendAsync(TestEvents.Progress(id, 5));
        (await events.MoveNextAsync().AsTask().WithPatience()).Should().BeTrue();
        events.Current.Sequence().Should().Be(6);
    }

    [Fact]
    public async Task Stream_DeliversEachLiveEventAsItIsAppended()
    {
        var (id, token) = await Host.CreateGenerationLogAsync();
        using var response = await Client.GetStreamAsync(id, token);
        await using var events = response.ReadEventsAsync().GetAsyncEnumerator();

        for (var i = 0; i < 10; i++)
        {
            var appended = await Host.EventLog.AppendAsync(TestEvents.Progress(id, i));
            (await events.MoveNextAsync().AsTask().WithPatience()).Should().BeTrue();
            events.Current.Sequence().Should().Be(appended.Sequence);
        }
    }

    [Fact]
    public async Task Stream_ClosesRightAfterTheTerminalEvent()
    {
        var (id, token) = await Host.CreateGenerationLogAsync();
        using var response = await Client.GetStreamAsync(id, token);
        await using var events = response.ReadEventsAsync().GetAsyncEnumerator();

        await Host.EventLog.AppendAsync(TestEvents.Progress(id, 0));
        await Host.EndGenerationAsync(TestEvents.Failed(id) with { Timestamp = Host.Now });

        (await events.MoveNextAsync().AsTask().WithPatience()).Should().BeTrue();
        (await events.MoveNextAsync().AsTask().WithPatience()).Should().BeTrue();
        events.Current.ToProgressEvent().Status.Should().Be("failed");
        (await events.MoveNextAsync().AsTask().WithPatience()).Should().BeFalse("the server ends the response after the terminal event");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task Stream_ReconnectAtOrPastTheTerminalEvent_Answers204(int pastTerminal)
    {
        var (id, token, entries) = await CompletedGenerationAsync(2);

        using var response = await Client.GetStreamAsync(id, token, lastEventId: entries[^1].Sequence + pastTerminal);

        response.StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await response.Content.ReadAsByteArrayAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task Stream_ResumeFromTheLastEventIdHeader_StartsStrictlyAfterIt()
    {
        var (id, token, entries) = await CompletedGenerationAsync(5);

        using var response = await Client.GetStreamAsync(id, token, lastEventId: 3);
        var items = await response.ReadAllEventsAsync().WithPatience();

        items.Select(i => i.Sequence()).Should().Equal(entries.Skip(3).Select(e => e.Sequence));
    }

    [Fact]
    public async Task Stream_ResumeFromTheLastEventIdQuery_StartsStrictlyAfterIt()
    {
        var (id, token, entries) = await CompletedGenerationAsync(5);

        using var response = await Client.GetAsync($"generations/{id}/stream?token={token}&lastEventId=4", HttpCompletionOption.ResponseHeadersRead);
        var items = await response.ReadAllEventsAsync().WithPatience();

        items.Select(i => i.Sequence()).Should().Equal(entries.Skip(4).Select(e => e.Sequence));
    }

    [Fact]
    public async Task Stream_HeaderAndQuery_TheHeaderWins()
    {
        var (id, token, entries) = await CompletedGenerationAsync(5);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"generations/{id}/stream?token={token}&lastEventId=1");
        request.Headers.Add("Last-Event-ID", "4");

        using var response = await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var items = await response.ReadAllEventsAsync().WithPatience();

        items.Select(i => i.Sequence()).Should().Equal(entries.Skip(4).Select(e => e.Sequence), "EventSource sends the header on reconnect; the query is from the first URL");
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("+3")]
    [InlineData("1.5")]
    [InlineData("0x10")]
    [InlineData("1e3")]
    [InlineData("99999999999999999999")]
    [InlineData("9223372036854775808")]
    public async Task Stream_MalformedLastEventIdHeader_Answers400(string lastEventId)
    {
        var (id, token, _) = await CompletedGenerationAsync(1);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"generations/{id}/stream?token={token}");
        request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);

        using var response = await Client.SendAsync(request);

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Should().Contain("Last-Event-ID");
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-5")]
    [InlineData("1&lastEventId=2")]
    [InlineData("%EF%BC%91%EF%BC%92")]
    [InlineData("%00")]
    public async Task Stream_MalformedLastEventIdQuery_Answers400(string lastEventId)
    {
        var (id, token, _) = await CompletedGenerationAsync(1);

        using var response = await Client.GetAsync($"generations/{id}/stream?token={token}&lastEventId={lastEventId}");

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Should().Contain("lastEventId");
    }

    [Fact]
    public async Task Stream_LastEventIdAheadOfARunningLog_Answers400()
    {
        var (id, token) = await Host.CreateGenerationLogAsync();
        await Host.EventLog.AppendAsync(TestEvents.Progress(id, 0));

        using var response = await Client.GetStreamAsync(id, token, lastEventId: 7);

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Should().Contain("ahead");
    }

    [Fact]
    public async Task Stream_UnknownGenerationWithAGenuineToken_Answers401NeverValidBecauseUnknown()
    {
        var id = Guid.NewGuid().ToString();

        using var response = await Client.GetStreamAsync(id, Host.Tokens.IssueToken(id));

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Should().Contain("expired");
    }

    [Fact]
    public async Task Stream_KnownGenerationWithoutALog_Answers404()
    {
        // A record whose log is gone (say, deleted by hand): the token holds, the stream has nothing to serve.
        var id = Guid.NewGuid().ToString();
        await Host.Records.AddAsync(new Iteration.Streaming.Records.GenerationRecord
        {
            GenerationId = id,
            Prompt = "x",
            Entities = [],
            Status = Iteration.Streaming.Events.GenerationStatus.Processing,
            CreatedAt = Host.Now,
        });

        using var response = await Client.GetStreamAsync(id, Host.Tokens.IssueToken(id));

        await response.ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Stream_TokenInTheQuery_IsAccepted()
    {
        var (id, token, entries) = await CompletedGenerationAsync(1);

        using var response = await Client.GetStreamAsync(id, token, tokenInQuery: true);

        (await response.ReadAllEventsAsync().WithPatience()).Should().HaveCount(entries.Count);
    }

    [Fact]
    public async Task Stream_ABurstOfTenThousandEvents_ArrivesWholeAndInOrder()
    {
        var (id, token, entries) = await CompletedGenerationAsync(9_999);

        using var response = await Client.GetStreamAsync(id, token);
        var items = await response.ReadAllEventsAsync().WithPatience();

        items.Select(i => i.Sequence()).Should().Equal(entries.Select(e => e.Sequence));
    }
}
