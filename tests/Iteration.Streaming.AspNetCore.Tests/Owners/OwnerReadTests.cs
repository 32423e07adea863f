using System.Net;
using System.Net.Http.Headers;
using Iteration.Streaming.Events;
using Iteration.Streaming.Security;

namespace Iteration.Streaming.AspNetCore.Tests.Owners;

/// <summary>
/// With <c>AddClaimsOwnerResolver()</c>, the signed-in owner reads their generation (snapshot, files, a file, the
/// archive, the stream) with the cookie alone, from the host's own pages; another user gets exactly a tokenless
/// caller's 401; a token that is sent is checked as ever.
/// </summary>
public sealed class OwnerReadTests(OwnerReadsFixture fixture) : IClassFixture<OwnerReadsFixture>
{
    public static TheoryData<string> Reads => ["", "/files", "/files/{path}", "/archive", "/live", "/stream"];

    private string Url(string read) => $"generations/{fixture.AlicesId}{read.Replace("{path}", fixture.FilePath, StringComparison.Ordinal)}";

    [Theory]
    [MemberData(nameof(Reads))]
    public async Task Read_ByTheOwnerWithoutAToken_Answers200(string read)
    {
        using var response = await SignedInHost.SendAsync(fixture.Alice, HttpMethod.Get, Url(read));

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [MemberData(nameof(Reads))]
    public async Task Read_ByTheOwnerFromTheirOwnPages_Answers200(string read)
    {
        using var response = await SignedInHost.SendAsync(fixture.Alice, HttpMethod.Get, Url(read), fetchSite: "same-origin");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Stream_ByTheOwnerAsEventSourceWithTheCookie_ReadsEveryEventToTheEnd()
    {
        // What a browser's EventSource sends from the host's page: the cookie, Accept and Sec-Fetch-Site; no token, no header of ours.
        using var request = new HttpRequestMessage(HttpMethod.Get, Url("/stream"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        request.Headers.Add("Sec-Fetch-Site", "same-origin");
        request.Headers.Add("Sec-Fetch-Mode", "cors");
        request.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true };

        using var response = await fixture.Alice.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var events = await response.ReadAllEventsAsync();

        response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        events.Select(e => e.Sequence()).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        events[^1].ToProgressEvent().Status.Should().Be(GenerationStatus.Completed);
    }

    [Theory]
    [MemberData(nameof(Reads))]
    public async Task Read_ByAnotherUser_AnswersWhatATokenlessCallerGets(string read)
    {
        using var anonymous = await SignedInHost.SendAsync(fixture.Anonymous, HttpMethod.Get, Url(read));
        using var bob = await SignedInHost.SendAsync(fixture.Bob, HttpMethod.Get, Url(read));

        var bobsDetail = await bob.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        bobsDetail.Should().Be(await anonymous.ShouldBeProblemAsync(HttpStatusCode.Unauthorized));
        bob.Headers.WwwAuthenticate.ToString().Should().Be(anonymous.Headers.WwwAuthenticate.ToString());
    }

    [Theory]
    [MemberData(nameof(Reads))]
    public async Task Read_UnknownGenerationAsASignedInUser_Answers401Not404(string read)
    {
        var unknown = $"generations/{Guid.NewGuid()}{read.Replace("{path}", fixture.FilePath, StringComparison.Ordinal)}";

        using var response = await SignedInHost.SendAsync(fixture.Alice, HttpMethod.Get, unknown);

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("", "cross-site")]
    [InlineData("/files", "cross-site")]
    [InlineData("/files/{path}", "cross-site")]
    [InlineData("/archive", "cross-site")]
    [InlineData("/stream", "cross-site")]
    [InlineData("", "same-site")]
    [InlineData("/stream", "same-site")]
    public async Task Read_ByTheOwnerFromAnotherSite_Answers401(string read, string fetchSite)
    {
        // Another site's <img>, <script> or EventSource would carry the cookie: ownership counts only on our own pages.
        using var response = await SignedInHost.SendAsync(fixture.Alice, HttpMethod.Get, Url(read), fetchSite);

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Read_ByTheOwnerWithAForgedToken_Answers401NotFallingBackToOwnership()
    {
        var genuine = fixture.Host.Host.Tokens.IssueToken(fixture.AlicesId);
        var forged = genuine[..^2] + (genuine[^2] == 'A' ? "BB" : "AA");

        using var response = await SignedInHost.SendAsync(fixture.Alice, HttpMethod.Get, Url(""), bearer: forged);

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Should().Contain("signature");
    }

    [Fact]
    public async Task Read_ByTheOwnerWithAForgedTokenInTheUrl_Answers401()
    {
        var forged = fixture.Host.Host.Tokens.IssueToken(fixture.AlicesId)[..^3] + "AAA";

        using var response = await SignedInHost.SendAsync(fixture.Alice, HttpMethod.Get, Url("/files") + "?token=" + forged);

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Read_ByTheOwnerWithAMalformedTokenInTheUrl_Answers401()
    {
        using var response = await SignedInHost.SendAsync(fixture.Alice, HttpMethod.Get, Url("") + "?token=not-a-token");

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Should().Contain("malformed");
    }

    [Fact]
    public async Task Read_ByTheOwnerWithATokenOfAnotherGeneration_Answers403()
    {
        var (otherId, _) = await fixture.Host.Host.CreateGenerationLogAsync();

        using var response = await SignedInHost.SendAsync(fixture.Alice, HttpMethod.Get, Url(""), bearer: fixture.Host.Host.Tokens.IssueToken(otherId));

        await response.ShouldBeProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Read_ByTheOwnerWithTheHostsOwnBearerCredential_ReadsByOwnership()
    {
        // A JWT in Authorization (a host whose API authenticates by bearer) is no stream token at all: the owner still reads.
        const string Jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";

        using var response = await SignedInHost.SendAsync(fixture.Alice, HttpMethod.Get, Url(""), bearer: Jwt);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Read_AnotherUserWithTheHostsOwnBearerCredential_Answers401()
    {
        const string Jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJib2IifQ.c2lnbmF0dXJl";

        using var response = await SignedInHost.SendAsync(fixture.Bob, HttpMethod.Get, Url(""), bearer: Jwt);

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Should().Contain("malformed");
    }

    [Fact]
    public async Task Read_AnotherUserWithTheReadToken_Answers200()
    {
        using var response = await SignedInHost.SendAsync(
            fixture.Bob, HttpMethod.Get, Url("/files"), bearer: fixture.Host.Host.Tokens.IssueToken(fixture.AlicesId, StreamTokenScope.Read));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }
}
