using System.Net;
using System.Net.Http.Headers;
using Iteration.Streaming.Security;

namespace Iteration.Streaming.AspNetCore.Tests.Endpoints;

/// <summary>Every per-generation endpoint checks the id, then that generation's token; actions are in ActionAccessTests.</summary>
public sealed class GenerationAccessTests(DefaultHostFixture fixture) : IClassFixture<DefaultHostFixture>
{
    public static TheoryData<string, string> ReadEndpoints => new()
    {
        { "GET", "" },
        { "GET", "/stream" },
        { "GET", "/files" },
        { "GET", "/files/src/Program.cs" },
        { "GET", "/archive" },
        { "GET", "/live" },
    };

    public static TheoryData<string, string> PerGenerationEndpoints => new()
    {
        { "GET", "" },
        { "DELETE", "" },
        { "POST", "/retry" },
        { "GET", "/stream" },
        { "GET", "/files" },
        { "GET", "/files/src/Program.cs" },
        { "GET", "/archive" },
        { "GET", "/live" },
    };

    private KestrelTestHost Host => fixture.Host;

    private HttpClient Client => fixture.Client;

    private static HttpRequestMessage Request(string method, string id, string suffix, string? bearer = null, string? query = null)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), $"generations/{id}{suffix}{query}");
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return request;
    }

    [Theory]
    [MemberData(nameof(PerGenerationEndpoints))]
    public async Task NoToken_Answers401WithABearerChallenge(string method, string suffix)
    {
        using var request = Request(method, Guid.NewGuid().ToString(), suffix);

        using var response = await Client.SendAsync(request);

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Should().Contain("token is required");
        response.Headers.WwwAuthenticate.Should().ContainSingle().Which.Scheme.Should().Be("Bearer");
    }

    [Theory]
    [MemberData(nameof(PerGenerationEndpoints))]
    public async Task MalformedToken_Answers401InvalidToken(string method, string suffix)
    {
        using var request = Request(method, Guid.NewGuid().ToString(), suffix, bearer: "not-a-token");

        using var response = await Client.SendAsync(request);

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Should().Contain("malformed");
        response.Headers.WwwAuthenticate.ToString().Should().Contain("invalid_token");
    }

    [Theory]
    [InlineData("a.b")]
    [InlineData("forged.token")]
    [InlineData("abcde.abcde")]
    public async Task TokenWithImpossibleBase64Length_Answers401NotAServerError(string token)
    {
        using var request = Request("GET", Guid.NewGuid().ToString(), "/stream", bearer: token);

        using var response = await Client.SendAsync(request);

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Should().Contain("malformed");
    }

    [Theory]
    [MemberData(nameof(PerGenerationEndpoints))]
    public async Task TokenWithStrayTrailingBits_Answers401NotAServerError(string method, string suffix)
    {
        // A truncated or retyped link: the last characters are base64url letters that no encoder would produce.
        var id = Guid.NewGuid().ToString();
        var tampered = Host.Tokens.IssueToken(id)[..^2] + "xx";
        using var request = Request(method, id, suffix, bearer: tampered);

        using var response = await Client.SendAsync(request);

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Should().Contain("malformed");
    }

    [Theory]
    [MemberData(nameof(PerGenerationEndpoints))]
    public async Task ForgedToken_Answers401(string method, string suffix)
    {
        var id = Guid.NewGuid().ToString();
        var genuine = Host.Tokens.IssueToken(id);
        var dot = genuine.IndexOf('.', StringComparison.Ordinal);
        var forged = genuine[..(dot + 1)] + (genuine[dot + 1] == 'A' ? 'B' : 'A') + genuine[(dot + 2)..];
        using var request = Request(method, id, suffix, bearer: forged);

        using var response = await Client.SendAsync(request);

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Should().Contain("signature");
    }

    [Theory]
    [MemberData(nameof(PerGenerationEndpoints))]
    public async Task TokenOfAnotherGeneration_Answers403(string method, string suffix)
    {
        var token = Host.Tokens.IssueToken(Guid.NewGuid().ToString());
        using var request = Request(method, Guid.NewGuid().ToString(), suffix, bearer: token);

        using var response = await Client.SendAsync(request);

        (await response.ShouldBeProblemAsync(HttpStatusCode.Forbidden)).Should().Contain("another generation");
        response.Headers.WwwAuthenticate.ToString().Should().Contain("insufficient_scope");
    }

    [Theory]
    [MemberData(nameof(ReadEndpoints))]
    public async Task TokenOfAnotherGenerationInTheQuery_Answers403(string method, string suffix)
    {
        var token = Host.Tokens.IssueToken(Guid.NewGuid().ToString());
        using var request = Request(method, Guid.NewGuid().ToString(), suffix, query: "?token=" + token);

        using var response = await Client.SendAsync(request);

        await response.ShouldBeProblemAsync(HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("{3f2504e0-4f89-11d3-9a0c-0305e82c3301}")]
    [InlineData("a%20b")]
    [InlineData("x;y")]
    [InlineData("%C3%A9")]
    [InlineData("..%2f..%2fetc")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task BadGenerationId_Answers400BeforeLookingAtTheToken(string id)
    {
        foreach (var (method, suffix) in PerGenerationEndpoints.Select(row => ((string)row[0], (string)row[1])))
        {
            using var request = Request(method, id, suffix);

            using var response = await Client.SendAsync(request);

            (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Should().Contain("generation id", $"{method} {suffix}");
        }
    }

    [Fact]
    public async Task RepeatedTokenQuery_Answers401()
    {
        var id = Guid.NewGuid().ToString();
        var token = Host.Tokens.IssueToken(id);

        using var response = await Client.GetAsync($"generations/{id}/stream?token={token}&token={token}");

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task OtherAuthorizationScheme_CountsAsNoToken()
    {
        using var request = Request("GET", Guid.NewGuid().ToString(), "/stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", "dXNlcjpwYXNz");

        using var response = await Client.SendAsync(request);

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Should().Contain("required");
    }

    [Fact]
    public async Task QueryToken_WinsOverTheAuthorizationHeader_SoAHostsOwnBearerSchemeCanCoexist()
    {
        var (id, token) = await Host.CreateGenerationLogAsync();
        await Host.EndGenerationAsync(TestEvents.Completed(id) with { Timestamp = Host.Now });
        using var request = Request("GET", id, "/stream", bearer: "the-hosts-own-jwt", query: "?token=" + token);

        using var response = await Client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task OversizedToken_Answers401()
    {
        var id = Guid.NewGuid().ToString();
        using var request = Request("GET", id, "/stream", bearer: new string('A', 6_000) + "." + new string('B', 6_000));

        using var response = await Client.SendAsync(request);

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [MemberData(nameof(ReadEndpoints))]
    public async Task ControlTokenInTheAuthorizationHeader_AlsoReads(string method, string suffix)
    {
        var (id, _) = await Host.CreateGenerationLogAsync();
        await Host.EndGenerationAsync(TestEvents.Completed(id) with { Timestamp = Host.Now });
        using var request = Request(method, id, suffix, bearer: Host.Tokens.IssueToken(id, StreamTokenScope.Control));

        using var response = await Client.SendAsync(request);

        // Past the token: the generation has no files (404) or answers (200/204), never 401/403.
        ((int)response.StatusCode).Should().BeOneOf(200, 204, 404);
    }

    [Theory]
    [MemberData(nameof(ReadEndpoints))]
    public async Task ControlTokenInTheQuery_Answers401SayingWhere(string method, string suffix)
    {
        var (id, _) = await Host.CreateGenerationLogAsync();
        using var request = Request(method, id, suffix, query: "?token=" + Host.Tokens.IssueToken(id, StreamTokenScope.Control));

        using var response = await Client.SendAsync(request);

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Should().Contain("never travel in a URL").And.Contain("Authorization");
        response.Headers.WwwAuthenticate.ToString().Should().Contain("invalid_token");
    }

    [Fact]
    public async Task ControlTokenInTheQuery_IsRefusedEvenBesideAValidReadTokenHeader()
    {
        var (id, token) = await Host.CreateGenerationLogAsync();
        using var request = Request("GET", id, "", bearer: token, query: "?token=" + Host.Tokens.IssueToken(id, StreamTokenScope.Control));

        using var response = await Client.SendAsync(request);

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [MemberData(nameof(ReadEndpoints))]
    public async Task ReadTokenInTheQuery_Reads(string method, string suffix)
    {
        var (id, token) = await Host.CreateGenerationLogAsync();
        await Host.EndGenerationAsync(TestEvents.Completed(id) with { Timestamp = Host.Now });
        using var request = Request(method, id, suffix, query: "?token=" + token);

        using var response = await Client.SendAsync(request);

        ((int)response.StatusCode).Should().BeOneOf(200, 204, 404);
    }
}
