using System.Net;
using Iteration.Streaming.Client.Tests.Infrastructure;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Iteration.Streaming.Records;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.Client.Tests.Listing;

/// <summary>
/// Listing the signed-in user's generations over real Kestrel: the client sends no token, the HttpClient's own
/// credentials (here a header the owner resolver reads) name the user; pages follow <c>next_cursor</c>.
/// </summary>
public sealed class ListGenerationsTests : IAsyncLifetime
{
    private const string UserCookie = "test_user";

    private readonly RecordedRequests _requests = new();
    private KestrelTestHost _host = null!;
    private IterationClient _alice = null!;
    private IterationClient _anonymous = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(
            configureStreaming: b => b.AddGenerationOwnerResolver(c => ValueTask.FromResult(UserOf(c))),
            configureApp: app =>
            {
                _requests.Use(app);
                app.MapIterationStream();
            });
        _alice = SignedIn("alice");
        _anonymous = _host.CreateIterationClient();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    /// <summary>The test hosts' sign-in: the user header, else the user cookie (as a cookie authentication handler would).</summary>
    private static string? UserOf(HttpContext context) =>
        context.Request.Headers[RecordedRequests.UserHeader].ToString() is { Length: > 0 } user ? user
        : context.Request.Cookies.TryGetValue(UserCookie, out var cookie) && cookie.Length > 0 ? cookie
        : null;

    /// <summary>A client whose HttpClient signs in as <paramref name="user"/> (a default header, as a cookie would be).</summary>
    private IterationClient SignedIn(string user)
    {
        var http = _host.CreateClient();
        http.DefaultRequestHeaders.Add(RecordedRequests.UserHeader, user);
        return new IterationClient(http);
    }

    /// <summary>Records <paramref name="count"/> ended generations of <paramref name="user"/>, one millisecond apart, oldest first.</summary>
    private async Task<List<string>> SeedAsync(string user, int count, string status = GenerationStatus.Completed)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var id = Guid.NewGuid().ToString();
            await _host.EventLog.CreateAsync(id);
            await _host.Records.AddAsync(new GenerationRecord
            {
                GenerationId = id,
                Prompt = $"{user}'s app {i}",
                Entities = [],
                UserId = user,
                Status = status,
                CreatedAt = _host.Now.AddMinutes(-10).AddMilliseconds(i),
                EndedAt = _host.Now,
            });
            ids.Add(id);
        }

        return ids;
    }

    [Fact]
    public async Task ListAsync_SignedInUser_ReturnsOnlyTheirGenerationsNewestFirst()
    {
        var mine = await SeedAsync("alice", 3);
        await SeedAsync("bob", 2);

        var page = await _alice.ListAsync();

        page.Generations.Select(g => g.GenerationId).Should().Equal(Enumerable.Reverse(mine));
        page.Generations[0].Prompt.Should().Be("alice's app 2");
        page.Generations[0].Status.Should().Be(GenerationStatus.Completed);
        page.NextCursor.Should().BeNull();
    }

    [Fact]
    public async Task ListAsync_SignedInHttpClient_SendsNoTokenButItsCredentials()
    {
        await _alice.ListAsync(new GenerationListOptions { Limit = 5, Status = GenerationStatus.Failed });

        var request = _requests.Last("GET", "/generations?");
        request.PathAndQuery.Should().Be("/generations?owner=me&status=failed&limit=5");
        request.Authorization.Should().BeEmpty();
        request.User.Should().Be("alice");
    }

    [Fact]
    public async Task ListAsync_HttpClientWithACookieContainer_ListsThatUsersGenerations()
    {
        var bobs = await SeedAsync("bob", 2);
        var cookies = new CookieContainer();
        cookies.Add(_host.BaseAddress, new Cookie(UserCookie, "bob"));
        using var http = new HttpClient(new SocketsHttpHandler { CookieContainer = cookies }) { BaseAddress = _host.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        var bob = new IterationClient(http);

        var page = await bob.ListAsync();

        page.Generations.Select(g => g.GenerationId).Should().Equal(Enumerable.Reverse(bobs));
    }

    [Fact]
    public async Task ListAsync_StartedThroughTheClient_ListsTheNewGeneration()
    {
        var handle = await _alice.StartAsync("Build a task app", ["User"]);
        await _alice.WatchAsync(handle).CollectAsync();

        var page = await _alice.ListAsync();

        page.Generations.Should().ContainSingle().Which.GenerationId.Should().Be(handle.GenerationId);
    }

    [Fact]
    public async Task ListAsync_WithLimit_PagesByTheNextCursorUntilTheLast()
    {
        var mine = await SeedAsync("alice", 5);

        var first = await _alice.ListAsync(new GenerationListOptions { Limit = 2 });
        var second = await _alice.ListAsync(new GenerationListOptions { Limit = 2, Cursor = first.NextCursor });
        var third = await _alice.ListAsync(new GenerationListOptions { Limit = 2, Cursor = second.NextCursor });

        first.Generations.Concat(second.Generations).Concat(third.Generations).Select(g => g.GenerationId)
            .Should().Equal(Enumerable.Reverse(mine));
        first.NextCursor.Should().NotBeNullOrEmpty();
        third.NextCursor.Should().BeNull();
    }

    [Fact]
    public async Task ListAsync_StatusFilter_ListsOnlyThatStatus()
    {
        await SeedAsync("alice", 2, GenerationStatus.Completed);
        var failed = await SeedAsync("alice", 1, GenerationStatus.Failed);

        var page = await _alice.ListAsync(new GenerationListOptions { Status = GenerationStatus.Failed });

        page.Generations.Select(g => g.GenerationId).Should().Equal(failed);
    }

    [Fact]
    public async Task ListAsync_Anonymous_Throws401()
    {
        var act = () => _anonymous.ListAsync();

        (await act.Should().ThrowAsync<IterationApiException>()).Which.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ListAsync_AnotherUsersCursor_Throws400()
    {
        await SeedAsync("bob", 3);
        var bobs = await SignedIn("bob").ListAsync(new GenerationListOptions { Limit = 1 });

        var act = () => _alice.ListAsync(new GenerationListOptions { Limit = 1, Cursor = bobs.NextCursor });

        var thrown = (await act.Should().ThrowAsync<IterationApiException>()).Which;
        thrown.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        thrown.Message.Should().Contain("cursor");
    }

    [Fact]
    public async Task ListAsync_TamperedCursor_Throws400()
    {
        await SeedAsync("alice", 3);
        var first = await _alice.ListAsync(new GenerationListOptions { Limit = 1 });

        var act = () => _alice.ListAsync(new GenerationListOptions { Limit = 1, Cursor = "x" + first.NextCursor![1..] + "A" });

        (await act.Should().ThrowAsync<IterationApiException>()).Which.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    public static TheoryData<GenerationListOptions, string> BadOptions => new()
    {
        { new GenerationListOptions { Limit = 0 }, "Limit" },
        { new GenerationListOptions { Limit = 101 }, "Limit" },
        { new GenerationListOptions { Limit = int.MinValue }, "Limit" },
        { new GenerationListOptions { Status = "done" }, "Status" },
        { new GenerationListOptions { Status = string.Empty }, "Status" },
        { new GenerationListOptions { Status = "failed&owner=bob" }, "Status" },
        { new GenerationListOptions { Cursor = string.Empty }, "Cursor" },
        { new GenerationListOptions { Cursor = new string('a', GenerationListOptions.MaxCursorLength + 1) }, "Cursor" },
        { new GenerationListOptions { Cursor = "abc def" }, "Cursor" },
        { new GenerationListOptions { Cursor = "abc\r\nX-Evil: 1" }, "Cursor" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public async Task ListAsync_OptionTheServerWouldRefuse_ThrowsNamingItBeforeAnyRequest(GenerationListOptions options, string field)
    {
        var before = _requests.All.Count;

        var act = () => _alice.ListAsync(options);

        (await act.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().StartWith(field);
        _requests.All.Count.Should().Be(before);
    }

    [Fact]
    public async Task ListAsync_CursorWithUrlCharacters_IsEscapedIntoOneQueryValue()
    {
        var act = () => _alice.ListAsync(new GenerationListOptions { Cursor = "a&owner=bob#x" });

        await act.Should().ThrowAsync<IterationApiException>();
        _requests.Last("GET", "/generations?").PathAndQuery.Should().Be("/generations?owner=me&cursor=a%26owner%3Dbob%23x");
    }

    [Fact]
    public async Task ListAllAsync_SeveralPages_YieldsEveryGenerationOnceNewestFirst()
    {
        var mine = await SeedAsync("alice", 7);
        await SeedAsync("bob", 2);

        var all = new List<GenerationListItem>();
        await foreach (var item in _alice.ListAllAsync(pageSize: 3))
        {
            all.Add(item);
        }

        all.Select(g => g.GenerationId).Should().Equal(Enumerable.Reverse(mine));
        _requests.All.Count(r => r.PathAndQuery.StartsWith("/generations?", StringComparison.Ordinal)).Should().Be(3);
    }

    [Fact]
    public async Task ListAllAsync_StoppedEarly_AsksForNoFurtherPage()
    {
        await SeedAsync("alice", 5);

        await foreach (var item in _alice.ListAllAsync(GenerationStatus.Completed, pageSize: 2))
        {
            item.Status.Should().Be(GenerationStatus.Completed);
            break;
        }

        _requests.All.Should().ContainSingle(r => r.PathAndQuery.StartsWith("/generations?", StringComparison.Ordinal))
            .Which.PathAndQuery.Should().Be("/generations?owner=me&status=completed&limit=2");
    }

    [Theory]
    [InlineData(null, 0)]
    [InlineData(null, 101)]
    [InlineData("finished", 20)]
    public void ListAllAsync_BadArguments_ThrowAtTheCall(string? status, int pageSize)
    {
        var act = () => _alice.ListAllAsync(status, pageSize);

        act.Should().Throw<ArgumentException>();
    }

    [Fact]
    public async Task ReadsWithAHandleForOwner_Owner_AreAnsweredWithoutATokenAndAStrangerGets401()
    {
        var started = await _alice.StartAsync("Build a task app", ["User"]);
        var owned = GenerationHandle.ForOwner(started.GenerationId);

        var events = await _alice.WatchAsync(owned).CollectAsync();
        var snapshot = await _alice.GetSnapshotAsync(owned);
        var files = await _alice.ListFilesAsync(owned);
        var strangersRead = () => SignedIn("bob").GetSnapshotAsync(owned);

        events[^1].Status.Should().Be(GenerationStatus.Completed);
        snapshot.GenerationId.Should().Be(started.GenerationId);
        files.Files.Should().NotBeEmpty();
        _requests.All.Where(r => r.PathAndQuery.StartsWith($"/generations/{started.GenerationId}", StringComparison.Ordinal))
            .Should().OnlyContain(r => r.Authorization.Length == 0 && r.User == "alice");
        (await strangersRead.Should().ThrowAsync<IterationApiException>()).Which.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }
}
