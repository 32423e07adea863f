using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.AspNetCore.Tests.Owners;

/// <summary>
/// <c>GET /generations?owner=me</c> over Kestrel with two users signed in by cookie: each sees only their own
/// generations, newest first, page by page; every bad parameter is a 400 naming it.
/// </summary>
public sealed class ListGenerationsTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private SignedInHost _host = null!;
    private HttpClient _alice = null!;
    private HttpClient _bob = null!;

    public async Task InitializeAsync()
    {
        _host = await SignedInHost.StartAsync();
        _alice = await _host.SignInAsync("alice");
        _bob = await _host.SignInAsync("bob");
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<GenerationList> ListAsync(HttpClient client, string query)
    {
        using var response = await client.GetAsync("generations?" + query);
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationList))!;
    }

    /// <summary>Alice's generations, one a minute from <see cref="Start"/>; their ids, newest first.</summary>
    private async Task<List<string>> AddAlicesAsync(int count, string status = GenerationStatus.Completed)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            ids.Add(await _host.AddGenerationAsync("alice", Start.AddMinutes(i), status));
        }

        ids.Reverse();
        return ids;
    }

    [Fact]
    public async Task List_TwoUsers_EachSeesOnlyTheirOwn()
    {
        var alices = await AddAlicesAsync(2);
        var bobs = await _host.AddGenerationAsync("bob", Start.AddMinutes(5));
        await _host.AddGenerationAsync(userId: null, Start.AddMinutes(6));

        var aliceList = await ListAsync(_alice, "owner=me");
        var bobList = await ListAsync(_bob, "owner=me");

        aliceList.Generations.Select(g => g.GenerationId).Should().Equal(alices);
        bobList.Generations.Select(g => g.GenerationId).Should().Equal(bobs);
    }

    [Fact]
    public async Task List_SeveralGenerations_NewestFirst()
    {
        var older = await _host.AddGenerationAsync("alice", Start);
        var newer = await _host.AddGenerationAsync("alice", Start.AddSeconds(1));
        var newest = await _host.AddGenerationAsync("alice", Start.AddDays(1));

        var list = await ListAsync(_alice, "owner=me");

        list.Generations.Select(g => g.GenerationId).Should().Equal(newest, newer, older);
        list.NextCursor.Should().BeNull();
    }

    [Fact]
    public async Task List_PagedWithTheCursor_ReachesTheEndWithEveryGenerationOnce()
    {
        var alices = await AddAlicesAsync(7);
        var seen = new List<string>();
        var pages = new List<int>();

        var list = await ListAsync(_alice, "owner=me&limit=3");
        while (true)
        {
            pages.Add(list.Generations.Count);
            seen.AddRange(list.Generations.Select(g => g.GenerationId));
            if (list.NextCursor is null)
            {
                break;
            }

            list = await ListAsync(_alice, "owner=me&limit=3&cursor=" + Uri.EscapeDataString(list.NextCursor));
        }

        pages.Should().Equal(3, 3, 1);
        seen.Should().Equal(alices);
    }

    [Fact]
    public async Task List_SameCreationMillisecond_PagesByIdWithoutLosingAny()
    {
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await _host.AddGenerationAsync("alice", Start));
        }

        var first = await ListAsync(_alice, "owner=me&limit=2");
        var second = await ListAsync(_alice, "owner=me&limit=2&cursor=" + first.NextCursor);
        var third = await ListAsync(_alice, "owner=me&limit=2&cursor=" + second.NextCursor);

        first.Generations.Concat(second.Generations).Concat(third.Generations).Select(g => g.GenerationId)
            .Should().Equal(ids.OrderByDescending(id => id, StringComparer.Ordinal));
        third.NextCursor.Should().BeNull();
    }

    [Fact]
    public async Task List_StatusFilter_ListsOnlyThatStatus()
    {
        var failed = await _host.AddGenerationAsync("alice", Start, GenerationStatus.Failed);
        await _host.AddGenerationAsync("alice", Start.AddMinutes(1), GenerationStatus.Completed);
        var failedLater = await _host.AddGenerationAsync("alice", Start.AddMinutes(2), GenerationStatus.Failed);

        var list = await ListAsync(_alice, "owner=me&status=failed");

        list.Generations.Select(g => g.GenerationId).Should().Equal(failedLater, failed);
        list.Generations.Should().OnlyContain(g => g.Status == GenerationStatus.Failed);
    }

    [Fact]
    public async Task List_DefaultLimit_Is20()
    {
        await AddAlicesAsync(21);

        var list = await ListAsync(_alice, "owner=me");

        list.Generations.Should().HaveCount(20);
        list.NextCursor.Should().NotBeNull();
    }

    [Fact]
    public async Task List_Item_CarriesTheRecordsFieldsAndAShortenedPrompt()
    {
        var parent = await _host.AddGenerationAsync("alice", Start);
        var id = await _host.AddGenerationAsync(
            "alice", Start.AddMinutes(1), GenerationStatus.Failed, prompt: new string('p', 300), parentGenerationId: parent, retryOf: parent);

        var item = (await ListAsync(_alice, "owner=me&limit=1")).Generations.Single();

        item.GenerationId.Should().Be(id);
        item.Prompt.Should().HaveLength(GenerationList.PromptPreviewLength).And.EndWith("…");
        item.Status.Should().Be(GenerationStatus.Failed);
        item.CreatedAt.Should().Be(Start.AddMinutes(1));
        item.EndedAt.Should().Be(Start.AddMinutes(2));
        item.ParentGenerationId.Should().Be(parent);
        item.RetryOf.Should().Be(parent);
    }

    [Fact]
    public async Task List_Response_IsSnakeCaseJsonNeverStored()
    {
        await AddAlicesAsync(2);

        using var response = await _alice.GetAsync("generations?owner=me&limit=1");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        response.Headers.CacheControl!.NoStore.Should().BeTrue();
        json.RootElement.GetProperty("generations")[0].TryGetProperty("generation_id", out _).Should().BeTrue();
        json.RootElement.GetProperty("next_cursor").GetString().Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task List_StartedBySignedInUser_ListsTheRun()
    {
        var id = await SignedInHost.StartAndFinishAsync(_alice);

        var item = (await ListAsync(_alice, "owner=me")).Generations.Should().ContainSingle().Subject;

        item.GenerationId.Should().Be(id);
        item.Status.Should().Be(GenerationStatus.Completed);
        item.FileCount.Should().BeGreaterThan(0);
        (await ListAsync(_bob, "owner=me")).Generations.Should().BeEmpty();
    }

    [Fact]
    public async Task List_Anonymous_Answers401()
    {
        using var response = await _host.Host.CreateClient().GetAsync("generations?owner=me");

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Should().Contain("signed-in");
    }

    [Theory]
    [InlineData("cross-site")]
    [InlineData("same-site")]
    public async Task List_FromAnotherSite_Answers403(string fetchSite)
    {
        await AddAlicesAsync(1);

        using var response = await SignedInHost.SendAsync(_alice, HttpMethod.Get, "generations?owner=me", fetchSite);

        (await response.ShouldBeProblemAsync(HttpStatusCode.Forbidden)).Should().Contain("Sec-Fetch-Site");
    }

    [Theory]
    [InlineData("same-origin")]
    [InlineData("none")]
    public async Task List_FromOwnPages_Answers200(string fetchSite)
    {
        using var response = await SignedInHost.SendAsync(_alice, HttpMethod.Get, "generations?owner=me", fetchSite);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("")]
    [InlineData("owner=")]
    [InlineData("owner=you")]
    [InlineData("owner=ME")]
    [InlineData("owner=bob")]
    [InlineData("owner=me&owner=me")]
    [InlineData("owner=%00")]
    public async Task List_OwnerNotMe_Answers400NamingOwner(string query)
    {
        using var response = await _alice.GetAsync("generations?" + query);

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Should().Contain("'owner'");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("101")]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("abc")]
    [InlineData("+5")]
    [InlineData("99999999999999999999")]
    [InlineData("%20 5")]
    public async Task List_LimitOutOfRange_Answers400NamingLimit(string limit)
    {
        using var response = await _alice.GetAsync("generations?owner=me&limit=" + limit);

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Should().Contain("'limit'").And.Contain("1 to 100");
    }

    [Theory]
    [InlineData("1")]
    [InlineData("100")]
    public async Task List_LimitAtTheBounds_Answers200(string limit)
    {
        using var response = await _alice.GetAsync("generations?owner=me&limit=" + limit);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("done")]
    [InlineData("COMPLETED")]
    [InlineData("completed%20")]
    [InlineData("%3Cscript%3E")]
    public async Task List_UnknownStatus_Answers400NamingStatus(string status)
    {
        using var response = await _alice.GetAsync("generations?owner=me&status=" + status);

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Should().Contain("'status'").And.Contain("awaiting_input");
    }

    [Fact]
    public async Task List_CursorOfAnotherUser_Answers400()
    {
        await AddAlicesAsync(3);
        var alicesCursor = (await ListAsync(_alice, "owner=me&limit=1")).NextCursor!;

        using var response = await _bob.GetAsync("generations?owner=me&limit=1&cursor=" + Uri.EscapeDataString(alicesCursor));

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Should().Contain("The cursor is not valid for this list");
    }

    [Fact]
    public async Task List_CursorOfAnotherStatusFilter_Answers400()
    {
        await AddAlicesAsync(3);
        var cursor = (await ListAsync(_alice, "owner=me&limit=1")).NextCursor!;

        using var response = await _alice.GetAsync("generations?owner=me&limit=1&status=completed&cursor=" + Uri.EscapeDataString(cursor));

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Should().Contain("'cursor'");
    }

    [Fact]
    public async Task List_CursorWithAnyCharacterChanged_Answers400()
    {
        await AddAlicesAsync(3);
        var cursor = (await ListAsync(_alice, "owner=me&limit=1")).NextCursor!;

        for (var i = 0; i < cursor.Length; i++)
        {
            var tampered = cursor[..i] + (cursor[i] == 'A' ? 'B' : 'A') + cursor[(i + 1)..];
            using var response = await _alice.GetAsync("generations?owner=me&limit=1&cursor=" + Uri.EscapeDataString(tampered));

            response.StatusCode.Should().Be(HttpStatusCode.BadRequest, $"the cursor changed at {i} is not the server's");
        }
    }

    [Fact]
    public async Task List_CursorOfAHostWithAnotherSigningKey_Answers400()
    {
        await AddAlicesAsync(3);
        await using var other = await SignedInHost.StartAsync(configureStreaming: s => s.Services.PostConfigure<Iteration.Streaming.Hosting.IterationStreamingOptions>(
            o => o.SigningKey = "another-hosts-signing-key-0123456789-abcdefgh"));
        await other.AddGenerationAsync("alice", Start);
        await other.AddGenerationAsync("alice", Start.AddMinutes(1));
        var foreign = (await ListAsync(await other.SignInAsync("alice"), "owner=me&limit=1")).NextCursor!;

        using var response = await _alice.GetAsync("generations?owner=me&limit=1&cursor=" + Uri.EscapeDataString(foreign));

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Should().Contain("'cursor'");
    }

    public static TheoryData<string> MalformedCursors => new()
    {
        "!!!!",
        "a",
        "AAAA",
        "eyJhbGciOiJIUzI1NiJ9.e30.c2ln",
        new string('A', 513),
        new string('A', 4000),
        "%00%01",
        "Zm9v+/==",
    };

    [Theory]
    [MemberData(nameof(MalformedCursors))]
    public async Task List_MalformedOrOversizedCursor_Answers400(string cursor)
    {
        using var response = await _alice.GetAsync("generations?owner=me&cursor=" + cursor);

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Should().Contain("The cursor is not valid for this list");
    }

    [Fact]
    public async Task List_HostWithoutOwnerResolver_Answers404()
    {
        await using var host = await KestrelTestHost.StartAsync();

        using var response = await host.CreateClient().GetAsync("generations?owner=me");

        (await response.ShouldBeProblemAsync(HttpStatusCode.NotFound)).Should().Contain("No Iteration.Streaming endpoint");
    }

    [Fact]
    public async Task List_DeleteOnThePrefixWithAResolver_Answers405AllowingGetAndPost()
    {
        using var response = await _alice.DeleteAsync("generations");

        response.StatusCode.Should().Be(HttpStatusCode.MethodNotAllowed);
        response.Content.Headers.Allow.Should().Equal("GET", "POST");
    }
}
