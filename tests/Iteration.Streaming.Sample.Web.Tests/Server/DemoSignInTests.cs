using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Iteration.Streaming.Sample.Web.Tests.Infrastructure;

namespace Iteration.Streaming.Sample.Web.Tests.Server;

/// <summary>
/// The demo sign-in over Kestrel: a name becomes an HttpOnly, SameSite=Strict cookie; bad names (empty, too long, control
/// or invisible characters), malformed, oversized or non-JSON bodies and other sites' requests are refused with the
/// field named and no cookie set; two signed-in users each list and open only their own generations.
/// </summary>
public sealed class DemoSignInTests(SharedSampleServer shared) : IClassFixture<SharedSampleServer>
{
    [Fact]
    public async Task SignIn_WithAName_SetsAnHttpOnlySameSiteStrictCookieAndAccountNamesTheUser()
    {
        using var client = shared.NewClient();

        using var response = await client.PostAsJsonAsync("/account/sign-in", new { name = "  alice  " });

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var cookie = response.Headers.GetValues("Set-Cookie").Single();
        cookie.Should().StartWith($"{DemoSignIn.CookieName}=").And.Contain("httponly").And.Contain("samesite=strict")
            .And.NotContain("secure", "the sample runs over plain http here; over https the cookie is Secure");
        (await client.GetFromJsonAsync<JsonElement>("/account")).GetProperty("name").GetString().Should().Be("alice");
    }

    [Theory]
    [InlineData("", "name is required")]
    [InlineData("   ", "name is required")]
    [InlineData("ali\nce", "U+000A")]
    [InlineData("ali\u0000ce", "U+0000")]
    [InlineData("\u001b[31mred", "U+001B")]
    [InlineData("evil\u202Egnp.exe", "U+202E")]
    [InlineData("zero\u200Bwidth", "U+200B")]
    public async Task SignIn_WithABadName_Answers400NamingTheFieldAndSetsNoCookie(string name, string expected)
    {
        using var client = shared.NewClient();

        using var response = await client.PostAsJsonAsync("/account/sign-in", new { name });

        var problem = await ExpectRefusedAsync(response, HttpStatusCode.BadRequest, expected);
        problem.GetProperty("errors").GetProperty("name")[0].GetString().Should().Contain(expected);
    }

    [Fact]
    public async Task SignIn_WithALoneSurrogate_Answers400AndSetsNoCookie()
    {
        using var client = shared.NewClient();

        using var response = await client.PostAsync("/account/sign-in", new StringContent("{\"name\": \"lone\\ud800\"}", Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Headers.Contains("Set-Cookie").Should().BeFalse();
    }

    [Fact]
    public async Task SignIn_WithANameOverFortyCharacters_Answers400SayingTheLimit()
    {
        using var client = shared.NewClient();

        using var response = await client.PostAsJsonAsync("/account/sign-in", new { name = new string('a', DemoSignIn.MaxNameLength + 1) });

        await ExpectRefusedAsync(response, HttpStatusCode.BadRequest, "name must be at most 40 characters, but was 41");
    }

    [Fact]
    public async Task SignIn_WithAnEmojiName_SignsIn()
    {
        using var client = shared.NewClient();

        using var response = await client.PostAsJsonAsync("/account/sign-in", new { name = "Zoë 🚀" });

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("name").GetString().Should().Be("Zoë 🚀");
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"name\": null}")]
    [InlineData("null")]
    public async Task SignIn_WithoutAName_Answers400NamingTheField(string body)
    {
        using var client = shared.NewClient();

        using var response = await client.PostAsync("/account/sign-in", new StringContent(body, Encoding.UTF8, "application/json"));

        await ExpectRefusedAsync(response, HttpStatusCode.BadRequest, "name is required");
    }

    [Theory]
    [InlineData("{\"name\": ")]
    [InlineData("{\"name\": 42}")]
    [InlineData("not json")]
    public async Task SignIn_WithMalformedJson_Answers400SayingWhatToSend(string body)
    {
        using var client = shared.NewClient();

        using var response = await client.PostAsync("/account/sign-in", new StringContent(body, Encoding.UTF8, "application/json"));

        await ExpectRefusedAsync(response, HttpStatusCode.BadRequest, "send {\"name\": \"alice\"}");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SignIn_WithAnOversizedBody_Answers413WithOrWithoutAContentLength(bool withLength)
    {
        using var client = shared.NewClient();
        var body = JsonSerializer.Serialize(new { name = new string('a', 100_000) });
        HttpContent content = withLength
            ? new StringContent(body, Encoding.UTF8, "application/json")
            : new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(body)));
        content.Headers.ContentType = new("application/json");

        using var response = await client.PostAsync("/account/sign-in", content);

        await ExpectRefusedAsync(response, HttpStatusCode.RequestEntityTooLarge, "at most 1024 bytes");
    }

    [Fact]
    public async Task SignIn_AsAForm_Answers415SayingToSendJson()
    {
        using var client = shared.NewClient();

        using var response = await client.PostAsync("/account/sign-in", new FormUrlEncodedContent([new("name", "alice")]));

        await ExpectRefusedAsync(response, HttpStatusCode.UnsupportedMediaType, "Send the name as JSON");
    }

    [Fact]
    public async Task SignIn_FromAnotherSite_Answers403AndSetsNoCookie()
    {
        using var client = shared.NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/account/sign-in") { Content = JsonContent.Create(new { name = "mallory" }) };
        request.Headers.Add("Sec-Fetch-Site", "cross-site");

        using var response = await client.SendAsync(request);

        await ExpectRefusedAsync(response, HttpStatusCode.Forbidden, "another site");
    }

    [Fact]
    public async Task SignOut_AfterSignIn_EndsTheSession()
    {
        using var client = shared.NewClient();
        (await client.PostAsJsonAsync("/account/sign-in", new { name = "alice" })).EnsureSuccessStatusCode();

        using var response = await client.PostAsync("/account/sign-out", null);

        response.StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await client.GetFromJsonAsync<JsonElement>("/account")).GetProperty("name").ValueKind.Should().Be(JsonValueKind.Null);
        (await client.GetAsync("/generations?owner=me")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task TwoUsers_SignedIn_EachListsAndReadsOnlyTheirOwnAndCannotActOnTheOthers()
    {
        using var alice = await shared.SignedInClientAsync("alice-two-users");
        using var bob = await shared.SignedInClientAsync("bob-two-users");
        var alices = await StartAsync(alice, "Alice's library");
        var bobs = await StartAsync(bob, "Bob's garage");
        await shared.Server.WaitForTerminalEventAsync(alices);
        await shared.Server.WaitForTerminalEventAsync(bobs);

        var listed = await alice.GetFromJsonAsync<JsonElement>("/generations?owner=me");
        var snapshot = await alice.GetAsync($"/generations/{alices}");
        var files = await alice.GetAsync($"/generations/{alices}/files");
        var others = await alice.GetAsync($"/generations/{bobs}");
        var retry = await alice.PostAsync($"/generations/{bobs}/retry", null);

        listed.GetProperty("generations").EnumerateArray().Select(g => g.GetProperty("generation_id").GetString()).Should().Equal(alices);
        snapshot.StatusCode.Should().Be(HttpStatusCode.OK, "the owner reads without a token");
        files.StatusCode.Should().Be(HttpStatusCode.OK);
        others.StatusCode.Should().Be(HttpStatusCode.Unauthorized, "another user's generation answers as if no token was sent");
        retry.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    private static async Task<string> StartAsync(HttpClient client, string prompt)
    {
        using var response = await client.PostAsJsonAsync("/generations", new { prompt, entities = new[] { "Item" } });
        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("generation_id").GetString()!;
    }

    private static async Task<JsonElement> ExpectRefusedAsync(HttpResponseMessage response, HttpStatusCode status, string detail)
    {
        response.StatusCode.Should().Be(status);
        response.Headers.Contains("Set-Cookie").Should().BeFalse("nobody is signed in by a refused request");
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("detail").GetString().Should().Contain(detail);
        return problem;
    }
}
