using System.Net;
using Iteration.Streaming.Events;
using Iteration.Streaming.Records;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.AspNetCore.Tests.Multiplex;

/// <summary>
/// <c>GET {prefix}/stream</c> with a watch token over Kestrel: hostile cursors are 400 and hostile tokens 401 (never a
/// 500), the token lives as a generation's does, the per-set cap answers 429, and a delivered set 204.
/// </summary>
public sealed class MultiplexStreamRequestTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private KestrelTestHost _host = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(
            o => o.MaxMultiplexedStreamsPerOwner = 2,
            configureServices: b => b.Services.AddSingleton<TimeProvider>(_clock));
        _client = _host.CreateClient();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private Task<(Contracts.GenerationWatchResponse Watch, List<(string Id, string Token)> Members)> WatchLiveAsync(int members, int eventsEach = 0) =>
        MultiplexTestSets.WatchLiveAsync(_host, _client, members, eventsEach);

    private async Task<string> RefusedAsync(HttpStatusCode status, string url, string? lastEventId = null, string? bearer = null)
    {
        using var response = await MultiplexTestSets.GetStreamAsync(_client, url, lastEventId, bearer);
        return await response.ShouldBeRefusedAsync(status);
    }

    [Fact]
    public async Task Stream_WithTheWatchTokenInAuthorization_Answers200AsAnEventStream()
    {
        var (watch, _) = await WatchLiveAsync(2, eventsEach: 1);

        using var response = await MultiplexTestSets.GetStreamAsync(_client, "generations/stream", bearer: watch.WatchToken);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        response.Headers.CacheControl!.NoCache.Should().BeTrue();
    }

    [Fact]
    public async Task Stream_WithoutAnyToken_Answers401()
    {
        await RefusedAsync(HttpStatusCode.Unauthorized, "generations/stream");
    }

    [Theory]
    [InlineData("not-a-token")]
    [InlineData("a.b")]
    [InlineData("....")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln")]
    public async Task Stream_AGarbageWatchToken_Answers401(string token)
    {
        await RefusedAsync(HttpStatusCode.Unauthorized, MultiplexHttpClientExtensions.MultiplexStreamUrl(token: token));
    }

    [Fact]
    public async Task Stream_ATamperedWatchToken_Answers401()
    {
        var (watch, _) = await WatchLiveAsync(2);

        foreach (var at in new[] { 0, watch.WatchToken.Length / 3, watch.WatchToken.Length / 2, watch.WatchToken.Length - 2 })
        {
            var tampered = MultiplexTestSets.Tamper(watch.WatchToken, at);
            await RefusedAsync(HttpStatusCode.Unauthorized, MultiplexHttpClientExtensions.MultiplexStreamUrl(token: tampered));
        }
    }

    [Fact]
    public async Task Stream_ATruncatedWatchToken_Answers401()
    {
        var (watch, _) = await WatchLiveAsync(2);

        await RefusedAsync(HttpStatusCode.Unauthorized, MultiplexHttpClientExtensions.MultiplexStreamUrl(token: watch.WatchToken[..^1]));
        await RefusedAsync(HttpStatusCode.Unauthorized, MultiplexHttpClientExtensions.MultiplexStreamUrl(token: watch.WatchToken[..(watch.WatchToken.Length / 2)]));
    }

    [Fact]
    public async Task Stream_AGenerationsOwnTokenInsteadOfAWatchToken_IsRefused()
    {
        var (_, members) = await WatchLiveAsync(1);

        using var response = await MultiplexTestSets.GetStreamAsync(_client, MultiplexHttpClientExtensions.MultiplexStreamUrl(token: members[0].Token));

        response.StatusCode.Should().BeOneOf(HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Stream_AWatchTokenOfAnotherSigningKey_Answers401()
    {
        var (_, members) = await WatchLiveAsync(1);
        await using var other = await KestrelTestHost.StartAsync(o => o.SigningKey = "another-signing-key-of-another-host-0123456789");
        var otherClient = other.CreateClient();
        await other.EventLog.CreateAsync(members[0].Id);
        await other.Records.AddAsync(new GenerationRecord { GenerationId = members[0].Id, Prompt = "p", Entities = ["User"], Status = GenerationStatus.Processing, CreatedAt = other.Now });
        var foreign = await otherClient.WatchAsync([(members[0].Id, (string?)other.Tokens.IssueToken(members[0].Id))]);

        await RefusedAsync(HttpStatusCode.Unauthorized, MultiplexTestSets.UrlOf(foreign));
    }

    [Fact]
    public async Task Stream_WatchTokenOfALiveSetPastTheTokenLifetime_StillConnects()
    {
        var (watch, _) = await WatchLiveAsync(2, eventsEach: 1);

        _clock.Advance(TimeSpan.FromHours(2));
        using var response = await MultiplexTestSets.GetStreamAsync(_client, MultiplexTestSets.UrlOf(watch));

        response.StatusCode.Should().Be(HttpStatusCode.OK, "a watch token is valid while any member is live");
    }

    [Fact]
    public async Task Stream_WatchTokenWhileOneMemberIsStillLive_StillConnects()
    {
        var (watch, members) = await WatchLiveAsync(2, eventsEach: 1);
        await _host.EndGenerationAsync(TestEvents.Completed(members[0].Id) with { Timestamp = _host.Now });

        _clock.Advance(TimeSpan.FromHours(1));
        using var response = await MultiplexTestSets.GetStreamAsync(_client, MultiplexTestSets.UrlOf(watch));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Stream_WatchTokenWithinTheGraceAfterTheLastMemberEnded_StillReplays()
    {
        var (watch, members) = await WatchLiveAsync(2, eventsEach: 1);
        foreach (var (id, _) in members)
        {
            await _host.EndGenerationAsync(TestEvents.Completed(id) with { Timestamp = _host.Now });
        }

        _clock.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        var reader = _client.ReaderOf(watch, from: "start");
        await using var connection = await reader.ConnectAsync();
        await connection.ReadToEndAsync().WithPatience();

        reader.Events.Should().HaveCount(4);
    }

    [Fact]
    public async Task Stream_WatchTokenPastTheGraceAfterEveryMemberEnded_Answers401()
    {
        var (watch, members) = await WatchLiveAsync(2, eventsEach: 1);
        foreach (var (id, _) in members)
        {
            await _host.EndGenerationAsync(TestEvents.Completed(id) with { Timestamp = _host.Now });
        }

        _clock.Advance(TimeSpan.FromMinutes(5));

        (await RefusedAsync(HttpStatusCode.Unauthorized, MultiplexTestSets.UrlOf(watch))).Should().Contain("expired");
    }

    [Fact]
    public async Task Stream_WatchTokenAtTheHardCapWhileLive_Answers401()
    {
        var (watch, _) = await WatchLiveAsync(2, eventsEach: 1);

        _clock.Advance(TimeSpan.FromHours(24));

        (await RefusedAsync(HttpStatusCode.Unauthorized, MultiplexTestSets.UrlOf(watch))).Should().Contain("expired");
    }

    [Theory]
    [InlineData("later")]
    [InlineData("START")]
    [InlineData("Now")]
    [InlineData("0")]
    [InlineData("start,now")]
    public async Task Stream_AnUnknownFrom_Answers400NamingFrom(string from)
    {
        var (watch, _) = await WatchLiveAsync(1);

        (await RefusedAsync(HttpStatusCode.BadRequest, MultiplexTestSets.UrlOf(watch, from))).Should().Contain("from");
    }

    [Fact]
    public async Task Stream_FromTwice_Answers400()
    {
        var (watch, _) = await WatchLiveAsync(1);

        await RefusedAsync(HttpStatusCode.BadRequest, MultiplexTestSets.UrlOf(watch, "start") + "&from=now");
    }

    [Fact]
    public async Task Stream_ACursorWithItsHeadOrTagChanged_Answers400()
    {
        var (watch, _) = await WatchLiveAsync(3, eventsEach: 2);
        var cursor = await MultiplexTestSets.CursorAfterAsync(_client, watch, 4);
        var tagEnd = cursor.IndexOf('.', cursor.IndexOf('.') + 1);

        for (var at = 0; at < tagEnd; at++)
        {
            var tampered = MultiplexTestSets.Tamper(cursor, at);
            await RefusedAsync(HttpStatusCode.BadRequest, MultiplexTestSets.UrlOf(watch), lastEventId: tampered);
        }
    }

    [Fact]
    public async Task Stream_ACursorWithAPositionChangedByHand_Answers400()
    {
        var (watch, _) = await WatchLiveAsync(2, eventsEach: 3);
        var cursor = await MultiplexTestSets.CursorAfterAsync(_client, watch, 6);
        var lastComma = cursor.LastIndexOf(',');

        var tampered = MultiplexTestSets.Tamper(cursor, lastComma - 1);

        tampered.Should().NotBe(cursor);
        await RefusedAsync(HttpStatusCode.BadRequest, MultiplexTestSets.UrlOf(watch), lastEventId: tampered);
    }

    [Fact]
    public async Task Stream_ACursorOfAnotherWatchSet_Answers400()
    {
        var (watch, _) = await WatchLiveAsync(2, eventsEach: 2);
        var (other, _) = await WatchLiveAsync(2, eventsEach: 2);
        var foreign = await MultiplexTestSets.CursorAfterAsync(_client, other, 3);

        await RefusedAsync(HttpStatusCode.BadRequest, MultiplexTestSets.UrlOf(watch), lastEventId: foreign);
    }

    [Fact]
    public async Task Stream_ACursorOfASubsetOfTheMembers_Answers400()
    {
        var (_, members) = await WatchLiveAsync(3, eventsEach: 2);
        var subset = await _client.WatchAsync(members.Take(2).Select(m => (m.Id, (string?)m.Token)));
        var whole = await _client.WatchAsync(members.Select(m => (m.Id, (string?)m.Token)));
        var cursor = await MultiplexTestSets.CursorAfterAsync(_client, subset, 3);

        await RefusedAsync(HttpStatusCode.BadRequest, MultiplexTestSets.UrlOf(whole), lastEventId: cursor);
    }

    [Fact]
    public async Task Stream_ACursorLongerThan16KB_Answers400()
    {
        var (watch, _) = await WatchLiveAsync(1);
        var cursor = new string('A', (16 * 1024) + 1);

        await RefusedAsync(HttpStatusCode.BadRequest, MultiplexTestSets.UrlOf(watch), lastEventId: cursor);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1")]
    [InlineData("-1")]
    [InlineData("99999999999999999999999")]
    [InlineData("abc")]
    [InlineData("{}")]
    [InlineData("null")]
    [InlineData("A")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("....")]
    [InlineData("%00%ff")]
    public async Task Stream_AGarbageCursorInTheHeader_Answers400(string cursor)
    {
        var (watch, _) = await WatchLiveAsync(2, eventsEach: 1);

        await RefusedAsync(HttpStatusCode.BadRequest, MultiplexTestSets.UrlOf(watch), lastEventId: cursor);
    }

    [Theory]
    [InlineData("é")]
    [InlineData("\u0000")]
    [InlineData("日本")]
    [InlineData("a b")]
    [InlineData("\r\nX-Injected: 1")]
    public async Task Stream_AGarbageCursorInTheQuery_Answers400(string cursor)
    {
        var (watch, _) = await WatchLiveAsync(2, eventsEach: 1);

        await RefusedAsync(HttpStatusCode.BadRequest, MultiplexTestSets.UrlOf(watch) + "&lastEventId=" + Uri.EscapeDataString(cursor));
    }

    [Fact]
    public async Task Stream_ACursorAheadOfAMembersLog_Answers400()
    {
        // Another instance sharing the signing key, whose log of the same generations is shorter (a store that lost events).
        var (watch, members) = await WatchLiveAsync(2, eventsEach: 3);
        var cursor = await MultiplexTestSets.CursorAfterAsync(_client, watch, 6);
        await using var other = await KestrelTestHost.StartAsync(configureServices: b => b.Services.AddSingleton<TimeProvider>(_clock));
        foreach (var (id, _) in members)
        {
            await other.EventLog.CreateAsync(id);
            await other.Records.AddAsync(new GenerationRecord { GenerationId = id, Prompt = "p", Entities = ["User"], Status = GenerationStatus.Processing, CreatedAt = other.Now });
            await other.EventLog.AppendAsync(TestEvents.Progress(id, 0));
        }

        using var response = await MultiplexTestSets.GetStreamAsync(other.CreateClient(), MultiplexTestSets.UrlOf(watch), lastEventId: cursor);

        await response.ShouldBeRefusedAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Stream_AGenuineCursor_ResumesRightAfterIt()
    {
        var (watch, _) = await WatchLiveAsync(3, eventsEach: 2);
        var cursor = await MultiplexTestSets.CursorAfterAsync(_client, watch, 4);
        var reader = _client.ReaderOf(watch);
        reader.LastEventId = cursor;

        await using var connection = await reader.ConnectAsync();
        await connection.ReadToAsync(new MultiplexCut(Events: 2, StopWhenIdle: false)).WithPatience();

        reader.Events.Should().HaveCount(2, "the 6 events less the 4 before the cursor");
    }

    [Fact]
    public async Task Stream_MoreStreamsOfOneSetThanTheCap_Answers429WithRetryAfter()
    {
        var (watch, _) = await WatchLiveAsync(2, eventsEach: 1);
        using var first = await MultiplexTestSets.GetStreamAsync(_client, MultiplexTestSets.UrlOf(watch));
        using var second = await MultiplexTestSets.GetStreamAsync(_client, MultiplexTestSets.UrlOf(watch));

        using var third = await MultiplexTestSets.GetStreamAsync(_client, MultiplexTestSets.UrlOf(watch));

        first.StatusCode.Should().Be(HttpStatusCode.OK);
        second.StatusCode.Should().Be(HttpStatusCode.OK);
        (await third.ShouldBeRefusedAsync(HttpStatusCode.TooManyRequests)).Should().Contain("MaxMultiplexedStreamsPerOwner");
        third.Headers.RetryAfter.Should().NotBeNull();
    }

    [Fact]
    public async Task Stream_AnotherSetWhileOneSetIsAtTheCap_StillOpens()
    {
        var (watch, members) = await WatchLiveAsync(2, eventsEach: 1);
        var other = await _client.WatchAsync([(members[0].Id, (string?)members[0].Token)]);
        using var first = await MultiplexTestSets.GetStreamAsync(_client, MultiplexTestSets.UrlOf(watch));
        using var second = await MultiplexTestSets.GetStreamAsync(_client, MultiplexTestSets.UrlOf(watch));

        using var response = await MultiplexTestSets.GetStreamAsync(_client, MultiplexTestSets.UrlOf(other));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Stream_EveryMembersTerminalDelivered_EndsAndTheReconnectGets204()
    {
        var (watch, members) = await WatchLiveAsync(3, eventsEach: 2);
        foreach (var (id, _) in members)
        {
            await _host.EndGenerationAsync(TestEvents.Completed(id) with { Timestamp = _host.Now });
        }

        var reader = _client.ReaderOf(watch, from: "start");
        await using (var connection = await reader.ConnectAsync())
        {
            await connection.ReadToEndAsync().WithPatience();
        }

        await using var again = await reader.ConnectAsync();

        reader.Events.Should().HaveCount(9);
        again.StatusCode.Should().Be(HttpStatusCode.NoContent);
    }
}
