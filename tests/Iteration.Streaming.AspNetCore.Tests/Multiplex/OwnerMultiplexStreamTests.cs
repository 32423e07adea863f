using System.Net;
using System.Net.Http.Json;
using Iteration.Streaming.AspNetCore.Tests.Owners;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Iteration.Streaming.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.AspNetCore.Tests.Multiplex;

/// <summary>
/// <c>GET {prefix}/stream?owner=me</c> over Kestrel with cookie sign-in: the caller's live generations and every one they
/// start later, never another user's; <c>from</c>; resume; the refusals.
/// </summary>
public sealed class OwnerMultiplexStreamTests : IAsyncLifetime
{
    private const string OwnerUrl = "generations/stream?owner=me";

    private SignedInHost _host = null!;
    private HttpClient _alice = null!;
    private HttpClient _bob = null!;

    public async Task InitializeAsync()
    {
        _host = await SignedInHost.StartAsync(s => s.Services.PostConfigure<IterationStreamingOptions>(o =>
        {
            o.HeartbeatInterval = TimeSpan.FromMilliseconds(50);
            o.MaxMultiplexedStreamsPerOwner = 2;
        }));
        _alice = await _host.SignInAsync("alice");
        _bob = await _host.SignInAsync("bob");
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    /// <summary>A live generation of <paramref name="user"/> with <paramref name="events"/> progress events.</summary>
    private async Task<string> LiveAsync(string user, int events)
    {
        var id = await _host.AddGenerationAsync(user, _host.Host.Now, GenerationStatus.Processing);
        for (var i = 0; i < events; i++)
        {
            await _host.Host.EventLog.AppendAsync(TestEvents.Progress(id, i));
        }

        return id;
    }

    private static async Task<string> StartAsync(HttpClient user)
    {
        using var started = await user.PostAsJsonAsync(
            "generations", new StartGenerationRequest { Prompt = "Build a task app", Entities = ["User"] }, IterationStreamingJson.StartGenerationRequest);
        started.StatusCode.Should().Be(HttpStatusCode.Accepted);
        return (await started.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationStartedResponse))!.GenerationId;
    }

    private static async Task<List<string>> OwnStreamAsync(HttpClient user, string id)
    {
        using var own = await user.GetStreamAsync(id, token: null);
        own.StatusCode.Should().Be(HttpStatusCode.OK);
        return [.. (await own.ReadAllEventsAsync().WithPatience()).Select(e => e.Data)];
    }

    private static Func<MultiplexSseFrame, bool> TerminalOf(string id) =>
        e => e.GenerationId == id && GenerationStatus.IsTerminal(e.ToProgressEvent().Status);

    [Fact]
    public async Task OwnerStream_AGenerationStartedAfterConnecting_JoinsFromItsFirstEvent()
    {
        var reader = new MultiplexStreamReader(_alice, OwnerUrl);
        await using var connection = await reader.ConnectAsync();
        connection.StatusCode.Should().Be(HttpStatusCode.OK);

        var id = await StartAsync(_alice);
        await connection.ReadEventAsync(TerminalOf(id)).WithPatience();

        reader.DataOf(id).Should().Equal(await OwnStreamAsync(_alice, id), "a new generation joins from its first event, each event once");
    }

    [Fact]
    public async Task OwnerStream_SeveralGenerationsStartedAfterConnecting_EachJoinsWhole()
    {
        var reader = new MultiplexStreamReader(_alice, OwnerUrl);
        await using var connection = await reader.ConnectAsync();

        var ids = new[] { await StartAsync(_alice), await StartAsync(_alice), await StartAsync(_alice) };

        // They run at once, so they may end in any order: read until each one's terminal event has arrived.
        var running = new HashSet<string>(ids, StringComparer.Ordinal);
        await connection.ReadEventAsync(
            e => e.GenerationId is { } id && GenerationStatus.IsTerminal(e.ToProgressEvent().Status) && running.Remove(id) && running.Count == 0).WithPatience();

        foreach (var id in ids)
        {
            reader.DataOf(id).Should().Equal(await OwnStreamAsync(_alice, id));
        }
    }

    [Fact]
    public async Task OwnerStream_AnotherUsersGenerations_NeverAppear()
    {
        await LiveAsync("bob", 2);
        var reader = new MultiplexStreamReader(_alice, OwnerUrl + "&from=start");
        await using var connection = await reader.ConnectAsync();
        var bobs = await StartAsync(_bob);
        await OwnStreamAsync(_bob, bobs);

        var alices = await StartAsync(_alice);
        await connection.ReadEventAsync(TerminalOf(alices)).WithPatience();
        await connection.ReadCommentAsync(c => c == MultiplexStreamReader.Heartbeat).WithPatience();

        reader.Generations.Should().Equal(alices);
    }

    [Fact]
    public async Task OwnerStream_Default_StartsEachLiveMemberAtItsLatestEvent()
    {
        var id = await LiveAsync("alice", 3);
        var reader = new MultiplexStreamReader(_alice, OwnerUrl);
        await using var connection = await reader.ConnectAsync();
        await connection.ReadEventAsync(e => e.GenerationId == id).WithPatience();

        await _host.Host.EventLog.AppendAsync(TestEvents.Progress(id, 3));
        await connection.ReadEventAsync(e => e.GenerationId == id).WithPatience();

        reader.Events.Select(e => e.ToProgressEvent().CurrentFile).Should().Equal("src/File2.cs", "src/File3.cs");
    }

    [Fact]
    public async Task OwnerStream_FromStart_ReplaysEachLiveMemberFromItsFirstEvent()
    {
        var id = await LiveAsync("alice", 3);
        var reader = new MultiplexStreamReader(_alice, OwnerUrl + "&from=start");
        await using var connection = await reader.ConnectAsync();
        await connection.ReadToAsync(new MultiplexCut(Events: 3, StopWhenIdle: false)).WithPatience();

        await _host.Host.EventLog.AppendAsync(TestEvents.Progress(id, 3));
        await connection.ReadEventAsync(e => e.GenerationId == id).WithPatience();

        reader.Events.Select(e => e.ToProgressEvent().CurrentFile).Should().Equal("src/File0.cs", "src/File1.cs", "src/File2.cs", "src/File3.cs");
    }

    [Fact]
    public async Task OwnerStream_FromStart_LeavesOutGenerationsThatEndedBeforeConnecting()
    {
        var ended = await SignedInHost.StartAndFinishAsync(_alice);
        var live = await LiveAsync("alice", 1);
        var reader = new MultiplexStreamReader(_alice, OwnerUrl + "&from=start");
        await using var connection = await reader.ConnectAsync();

        await connection.ReadEventAsync(e => e.GenerationId == live).WithPatience();
        await connection.ReadCommentAsync(c => c == MultiplexStreamReader.Heartbeat).WithPatience();

        reader.Generations.Should().Equal(live).And.NotContain(ended);
    }

    [Fact]
    public async Task OwnerStream_AfterEveryGenerationEnded_StaysOpenForNewOnes()
    {
        var reader = new MultiplexStreamReader(_alice, OwnerUrl);
        await using var connection = await reader.ConnectAsync();
        var first = await StartAsync(_alice);
        await connection.ReadEventAsync(TerminalOf(first)).WithPatience();

        await connection.ReadCommentAsync(c => c == MultiplexStreamReader.Heartbeat).WithPatience();
        var second = await StartAsync(_alice);
        await connection.ReadEventAsync(TerminalOf(second)).WithPatience();

        connection.Ended.Should().BeFalse("an owner stream never ends on its own");
        reader.DataOf(second).Should().Equal(await OwnStreamAsync(_alice, second));
    }

    [Fact]
    public async Task OwnerStream_CutAndResumedWithLastEventId_DeliversEachEventOnce()
    {
        var id = await LiveAsync("alice", 6);
        var reader = new MultiplexStreamReader(_alice, OwnerUrl + "&from=start");
        await using (var connection = await reader.ConnectAsync())
        {
            await connection.ReadToAsync(new MultiplexCut(Events: 2, StopWhenIdle: false)).WithPatience();
        }

        await _host.Host.EventLog.AppendAsync(TestEvents.Progress(id, 6));
        await using var resumed = await reader.ConnectAsync();
        await resumed.ReadToAsync(new MultiplexCut(Events: 5, StopWhenIdle: false)).WithPatience();

        reader.Cuts.Should().Be(1);
        reader.Events.Select(e => e.ToProgressEvent().CurrentFile).Should().Equal(Enumerable.Range(0, 7).Select(i => $"src/File{i}.cs"));
    }

    [Fact]
    public async Task OwnerStream_Anonymous_Answers401()
    {
        using var response = await MultiplexTestSets.GetStreamAsync(_host.Host.CreateClient(), OwnerUrl);

        await response.ShouldBeRefusedAsync(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("cross-site")]
    [InlineData("same-site")]
    public async Task OwnerStream_FromAnotherSite_Answers403(string site)
    {
        using var response = await MultiplexTestSets.GetStreamAsync(_alice, OwnerUrl, fetchSite: site);

        await response.ShouldBeRefusedAsync(HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("same-origin")]
    [InlineData("none")]
    public async Task OwnerStream_FromTheHostsOwnPages_Answers200(string site)
    {
        using var response = await MultiplexTestSets.GetStreamAsync(_alice, OwnerUrl, fetchSite: site);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("bob")]
    [InlineData("ME")]
    [InlineData("me,me")]
    public async Task OwnerStream_AnOwnerOtherThanMe_Answers400NamingOwner(string owner)
    {
        using var response = await MultiplexTestSets.GetStreamAsync(_alice, "generations/stream?owner=" + Uri.EscapeDataString(owner));

        (await response.ShouldBeRefusedAsync(HttpStatusCode.BadRequest)).Should().Contain("owner");
    }

    [Fact]
    public async Task OwnerStream_WithAWatchTokenInTheUrlToo_Answers400()
    {
        var live = await LiveAsync("alice", 1);
        var watch = await _alice.WatchAsync([(live, (string?)null)]);

        using var response = await MultiplexTestSets.GetStreamAsync(_alice, OwnerUrl + "&token=" + Uri.EscapeDataString(watch.WatchToken));

        (await response.ShouldBeRefusedAsync(HttpStatusCode.BadRequest)).Should().Contain("owner=me");
    }

    [Fact]
    public async Task OwnerStream_ACursorOfAnotherOwner_Answers400()
    {
        await LiveAsync("alice", 2);
        await LiveAsync("bob", 2);
        var alices = new MultiplexStreamReader(_alice, OwnerUrl + "&from=start");
        await using (var connection = await alices.ConnectAsync())
        {
            await connection.ReadToAsync(new MultiplexCut(Events: 1, StopWhenIdle: false)).WithPatience();
        }

        using var response = await MultiplexTestSets.GetStreamAsync(_bob, OwnerUrl, lastEventId: alices.LastEventId);

        await response.ShouldBeRefusedAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task OwnerStream_ACursorOfAWatchSet_Answers400()
    {
        var live = await LiveAsync("alice", 2);
        var watch = await _alice.WatchAsync([(live, (string?)null)]);
        var cursor = await MultiplexTestSets.CursorAfterAsync(_alice, watch, 1);

        using var response = await MultiplexTestSets.GetStreamAsync(_alice, OwnerUrl, lastEventId: cursor);

        await response.ShouldBeRefusedAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task OwnerStream_AGarbageCursor_Answers400()
    {
        using var response = await MultiplexTestSets.GetStreamAsync(_alice, OwnerUrl, lastEventId: "garbage");

        await response.ShouldBeRefusedAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task OwnerStream_MoreStreamsThanTheCap_Answers429WithRetryAfterForThatOwnerOnly()
    {
        using var first = await MultiplexTestSets.GetStreamAsync(_alice, OwnerUrl);
        using var second = await MultiplexTestSets.GetStreamAsync(_alice, OwnerUrl);

        using var third = await MultiplexTestSets.GetStreamAsync(_alice, OwnerUrl);
        using var bobs = await MultiplexTestSets.GetStreamAsync(_bob, OwnerUrl);

        first.StatusCode.Should().Be(HttpStatusCode.OK);
        second.StatusCode.Should().Be(HttpStatusCode.OK);
        await third.ShouldBeRefusedAsync(HttpStatusCode.TooManyRequests);
        third.Headers.RetryAfter.Should().NotBeNull();
        bobs.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Watch_OwnedMembersWithoutTokens_Answers200()
    {
        var ids = new[] { await LiveAsync("alice", 1), await LiveAsync("alice", 1) };

        using var response = await _alice.PostWatchAsync(ids.Select(id => new GenerationWatchMember { Id = id }));

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Watch_AnotherUsersMemberWithoutAToken_Answers401NamingTheEntry()
    {
        var alices = await LiveAsync("alice", 1);
        var bobs = await LiveAsync("bob", 1);

        using var response = await _alice.PostWatchAsync([new GenerationWatchMember { Id = alices }, new GenerationWatchMember { Id = bobs }]);

        (await response.ShouldBeRefusedAsync(HttpStatusCode.Unauthorized)).Should().Contain($"generations[1] ('{bobs}')");
    }

    [Fact]
    public async Task Watch_OwnedMembersWithoutTokensFromAnotherSite_Answers401()
    {
        var id = await LiveAsync("alice", 1);
        using var request = new HttpRequestMessage(HttpMethod.Post, "generations/watch")
        {
            Content = JsonContent.Create(new GenerationWatchRequest { Generations = [new GenerationWatchMember { Id = id }] }, IterationStreamingJson.GenerationWatchRequest),
        };
        request.Headers.Add("Sec-Fetch-Site", "cross-site");

        using var response = await _alice.SendAsync(request);

        response.StatusCode.Should().BeOneOf(HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden);
    }
}
