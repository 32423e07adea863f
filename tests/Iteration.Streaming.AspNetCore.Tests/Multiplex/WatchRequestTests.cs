using System.Net;
using System.Net.Http.Json;
using System.Text;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Iteration.Streaming.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.AspNetCore.Tests.Multiplex;

/// <summary>
/// <c>POST {prefix}/watch</c> over Kestrel: a good set gets one watch token; every bad body or bad member is refused whole,
/// with a problem naming the field or the entry.
/// </summary>
public sealed class WatchRequestTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private KestrelTestHost _host = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(configureServices: b => b.Services.AddSingleton<TimeProvider>(_clock));
        _client = _host.CreateClient();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static GenerationWatchMember Member(string id, string? token) => new() { Id = id, Token = token };

    private async Task<List<(string Id, string Token)>> LiveAsync(int count)
    {
        var members = new List<(string, string)>();
        for (var i = 0; i < count; i++)
        {
            members.Add(await _host.CreateGenerationLogAsync());
        }

        return members;
    }

    private async Task<string> RefusedAsync(HttpStatusCode status, params GenerationWatchMember[] members)
    {
        using var response = await _client.PostWatchAsync(members);
        return await response.ShouldBeRefusedAsync(status);
    }

    [Fact]
    public async Task Watch_ValidSet_Answers200WithAWatchTokenTheStreamUrlAndTheIdsInRequestOrder()
    {
        var members = await LiveAsync(3);

        using var response = await _client.PostWatchAsync(members.Select(m => Member(m.Id, m.Token)));
        var body = await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationWatchResponse);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Headers.CacheControl!.NoStore.Should().BeTrue();
        body!.WatchToken.Should().NotBeNullOrWhiteSpace();
        body.StreamUrl.Should().Be("/generations/stream");
        body.Generations.Should().Equal(members.Select(m => m.Id));
    }

    [Fact]
    public async Task Watch_ValidSet_AnswersSnakeCaseJson()
    {
        var (id, token) = await _host.CreateGenerationLogAsync();

        using var response = await _client.PostWatchAsync([Member(id, token)]);
        var json = await response.Content.ReadAsStringAsync();

        json.Should().Contain("\"watch_token\":").And.Contain("\"stream_url\":").And.Contain("\"generations\":");
    }

    [Fact]
    public async Task Watch_AMembersControlToken_IsAccepted()
    {
        var (id, _) = await _host.CreateGenerationLogAsync();
        var control = _host.Tokens.IssueToken(id, StreamTokenScope.Control);

        using var response = await _client.PostWatchAsync([Member(id, control)]);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{")]
    [InlineData("[]")]
    [InlineData("\"generations\"")]
    [InlineData("{\"generations\":\"all\"}")]
    [InlineData("{\"generations\":{\"id\":\"a\"}}")]
    [InlineData("{\"generations\":[1,2]}")]
    [InlineData("{\"generations\":[[\"a\",\"b\"]]}")]
    [InlineData("{\"generations\":[{\"id\":7,\"token\":\"t\"}]}")]
    [InlineData("{\"generations\":[{\"id\":\"a\",\"token\":{}}]}")]
    public async Task Watch_BodyNotJsonOrOfTheWrongShape_Answers400(string body)
    {
        using var response = await _client.PostWatchAsync(body);

        await response.ShouldBeRefusedAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Watch_EmptyBody_Answers400()
    {
        using var response = await _client.PostAsync("generations/watch", new StringContent(string.Empty, Encoding.UTF8, "application/json"));

        await response.ShouldBeRefusedAsync(HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"generations\":null}")]
    [InlineData("{\"generation\":[{\"id\":\"a\"}]}")]
    public async Task Watch_GenerationsMissing_Answers400NamingGenerations(string body)
    {
        using var response = await _client.PostWatchAsync(body);

        (await response.ShouldBeRefusedAsync(HttpStatusCode.BadRequest)).Should().Contain("generations");
    }

    [Fact]
    public async Task Watch_GenerationsEmpty_Answers400NamingGenerations()
    {
        using var response = await _client.PostWatchAsync("{\"generations\":[]}");

        (await response.ShouldBeRefusedAsync(HttpStatusCode.BadRequest)).Should().Contain("generations");
    }

    [Fact]
    public async Task Watch_MoreMembersThanTheCap_Answers400NamingTheCap()
    {
        var members = Enumerable.Range(0, 101).Select(_ => Member(Guid.NewGuid().ToString(), "x")).ToArray();

        var detail = await RefusedAsync(HttpStatusCode.BadRequest, members);

        detail.Should().Contain("at most 100");
    }

    [Fact]
    public async Task Watch_ExactlyTheCap_Answers200()
    {
        var members = await LiveAsync(100);

        using var response = await _client.PostWatchAsync(members.Select(m => Member(m.Id, m.Token)));

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Watch_AnIdTwice_Answers400NamingTheDuplicateEntry()
    {
        var members = await LiveAsync(4);
        var entries = members.Select(m => Member(m.Id, m.Token)).Append(Member(members[1].Id, members[1].Token)).ToArray();

        var detail = await RefusedAsync(HttpStatusCode.BadRequest, entries);

        detail.Should().Contain("generations[4].id");
    }

    [Theory]
    [InlineData("")]
    [InlineData("../etc/passwd")]
    [InlineData("a b")]
    [InlineData("é")]
    [InlineData("id\u0000")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task Watch_AnInvalidId_Answers400NamingTheEntry(string id)
    {
        var (goodId, goodToken) = await _host.CreateGenerationLogAsync();

        var detail = await RefusedAsync(HttpStatusCode.BadRequest, Member(goodId, goodToken), Member(id, goodToken));

        detail.Should().Contain("generations[1].id");
    }

    [Fact]
    public async Task Watch_AMemberWithoutId_Answers400NamingTheEntry()
    {
        var (id, token) = await _host.CreateGenerationLogAsync();

        using var response = await _client.PostWatchAsync($"{{\"generations\":[{{\"id\":\"{id}\",\"token\":\"{token}\"}},{{\"token\":\"{token}\"}}]}}");

        (await response.ShouldBeRefusedAsync(HttpStatusCode.BadRequest)).Should().Contain("generations[1]");
    }

    [Fact]
    public async Task Watch_AMemberWithoutATokenOnAHostWithoutOwners_Answers401NamingTheEntry()
    {
        var members = await LiveAsync(3);

        var detail = await RefusedAsync(HttpStatusCode.Unauthorized, Member(members[0].Id, members[0].Token), Member(members[1].Id, members[1].Token), Member(members[2].Id, null));

        detail.Should().Contain($"generations[2] ('{members[2].Id}')");
    }

    [Fact]
    public async Task Watch_AForgedMemberToken_Answers401NamingTheEntryAndTheReason()
    {
        var members = await LiveAsync(3);
        var forged = members[1].Token[..^4] + (members[1].Token.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");

        var detail = await RefusedAsync(HttpStatusCode.Unauthorized, Member(members[0].Id, members[0].Token), Member(members[1].Id, forged), Member(members[2].Id, members[2].Token));

        detail.Should().Contain($"generations[1] ('{members[1].Id}')").And.Contain("signature");
    }

    [Theory]
    [InlineData("not-a-token")]
    [InlineData("a.b.c")]
    [InlineData("")]
    public async Task Watch_AMalformedMemberToken_Answers401NamingTheEntry(string token)
    {
        var members = await LiveAsync(2);

        var detail = await RefusedAsync(HttpStatusCode.Unauthorized, Member(members[0].Id, members[0].Token), Member(members[1].Id, token));

        detail.Should().Contain($"generations[1] ('{members[1].Id}')");
    }

    [Fact]
    public async Task Watch_AMemberTokenPastItsGrace_Answers401NamingTheEntryAsExpired()
    {
        var members = await LiveAsync(2);
        await _host.EndGenerationAsync(TestEvents.Completed(members[0].Id) with { Timestamp = _host.Now });
        _clock.Advance(TimeSpan.FromMinutes(5));

        var detail = await RefusedAsync(HttpStatusCode.Unauthorized, Member(members[0].Id, members[0].Token), Member(members[1].Id, members[1].Token));

        detail.Should().Contain($"generations[0] ('{members[0].Id}')").And.Contain("expired");
    }

    [Fact]
    public async Task Watch_AnUnknownGeneration_Answers401NamingTheEntry()
    {
        var (id, token) = await _host.CreateGenerationLogAsync();
        var unknown = Guid.NewGuid().ToString();

        var detail = await RefusedAsync(HttpStatusCode.Unauthorized, Member(id, token), Member(unknown, _host.Tokens.IssueToken(unknown)));

        detail.Should().Contain($"generations[1] ('{unknown}')");
    }

    [Fact]
    public async Task Watch_ADeletedGeneration_Answers401NamingTheEntry()
    {
        var members = await LiveAsync(2);
        await _host.EndGenerationAsync(TestEvents.Completed(members[1].Id) with { Timestamp = _host.Now });
        await _host.Records.DeleteAsync(members[1].Id);
        await _host.EventLog.DeleteAsync(members[1].Id);

        var detail = await RefusedAsync(HttpStatusCode.Unauthorized, Member(members[0].Id, members[0].Token), Member(members[1].Id, members[1].Token));

        detail.Should().Contain($"generations[1] ('{members[1].Id}')");
    }

    [Fact]
    public async Task Watch_ATokenOfAnotherGeneration_Answers403NamingTheEntry()
    {
        var members = await LiveAsync(3);

        var detail = await RefusedAsync(HttpStatusCode.Forbidden, Member(members[0].Id, members[0].Token), Member(members[1].Id, members[1].Token), Member(members[2].Id, members[0].Token));

        detail.Should().Contain($"generations[2] ('{members[2].Id}')");
    }

    [Fact]
    public async Task Watch_ATokenSignedWithAnotherKey_Answers401()
    {
        var (id, _) = await _host.CreateGenerationLogAsync();
        await using var other = await KestrelTestHost.StartAsync(o => o.SigningKey = "another-signing-key-of-another-host-0123456789");
        var foreign = other.Tokens.IssueToken(id);

        var detail = await RefusedAsync(HttpStatusCode.Unauthorized, Member(id, foreign));

        detail.Should().Contain($"generations[0] ('{id}')");
    }

    [Fact]
    public async Task Watch_BodyLargerThanTheLimit_Answers413()
    {
        var (id, token) = await _host.CreateGenerationLogAsync();
        var body = $"{{\"generations\":[{{\"id\":\"{id}\",\"token\":\"{token}\"}}]{new string(' ', 4 * 1024 * 1024)}}}";

        using var response = await _client.PostWatchAsync(body);

        await response.ShouldBeRefusedAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Watch_ManyMembersWithTheLongestIds_Answers400ForASetTooLargeForAUrlToken()
    {
        // Random letters, digits, '-' and '_': 6 bits a character, so no compression brings 100 of them under a URL's 8 KB.
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        var random = new Random(25);
        var members = new List<GenerationWatchMember>();
        for (var i = 0; i < 100; i++)
        {
            var id = new string([.. Enumerable.Range(0, 128).Select(_ => Alphabet[random.Next(Alphabet.Length)])]);
            await _host.EventLog.CreateAsync(id);
            await _host.Records.AddAsync(new Records.GenerationRecord
            {
                GenerationId = id,
                Prompt = "Build a task app",
                Entities = ["User"],
                Status = GenerationStatus.Processing,
                CreatedAt = _host.Now,
            });
            members.Add(Member(id, _host.Tokens.IssueToken(id)));
        }

        var detail = await RefusedAsync(HttpStatusCode.BadRequest, [.. members]);

        detail.Should().NotBeNullOrWhiteSpace();
    }
}
