using System.Net;
using System.Net.Http.Json;
using Iteration.Streaming.Sample.Web.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace Iteration.Streaming.Sample.Web.Tests.Server;

/// <summary><c>Sample:CorsOrigins</c> over Kestrel: the origins named get the policy on the generation endpoints only.</summary>
public sealed class CorsTests
{
    private const string Allowed = "http://localhost:5173";
    private const string Other = "http://127.0.0.1:5174";

    [Fact]
    public async Task Preflight_FromAListedOrigin_AllowsTheMethodsAndHeadersThePageSends()
    {
        await using var server = await SampleServer.StartAsync(settings: $"--Sample:CorsOrigins={Allowed},http://127.0.0.1:5173");
        using var client = new HttpClient { BaseAddress = server.BaseAddress };

        using var response = await client.SendAsync(Preflight("/generations/some-id", Allowed, "DELETE", "authorization,idempotency-key"));

        response.StatusCode.Should().Be(HttpStatusCode.NoContent);
        Header(response, "Access-Control-Allow-Origin").Should().Be(Allowed);
        Header(response, "Access-Control-Allow-Methods").Should().Contain("DELETE");
        Header(response, "Access-Control-Allow-Headers").Should().ContainAll("Authorization", "Idempotency-Key");
    }

    [Fact]
    public async Task Preflight_ForAStart_SpendsNoStartOfTheRateLimit()
    {
        await using var server = await SampleServer.StartAsync(settings: [$"--Sample:CorsOrigins={Allowed}", "--Sample:StartsPerMinute=1"]);
        using var client = new HttpClient { BaseAddress = server.BaseAddress };
        using var preflight = await client.SendAsync(Preflight("/generations", Allowed, "POST", "content-type"));

        using var start = await client.PostAsJsonAsync("/generations", new { prompt = "A task tracker" });

        preflight.StatusCode.Should().Be(HttpStatusCode.NoContent);
        start.StatusCode.Should().Be(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task Start_FromAListedOrigin_AnswersTheOriginAndExposesRetryAfterAndLocation()
    {
        await using var server = await SampleServer.StartAsync(settings: $"--Sample:CorsOrigins={Allowed}");
        using var client = new HttpClient { BaseAddress = server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/generations") { Content = JsonContent.Create(new { prompt = "A task tracker" }) };
        request.Headers.Add("Origin", Allowed);

        using var response = await client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
        Header(response, "Access-Control-Allow-Origin").Should().Be(Allowed);
        Header(response, "Access-Control-Expose-Headers").Should().ContainAll("Retry-After", "Location");
    }

    [Fact]
    public async Task Request_FromAnOriginNotListed_GetsNoCorsHeaders()
    {
        await using var server = await SampleServer.StartAsync(settings: $"--Sample:CorsOrigins={Allowed}");
        using var client = new HttpClient { BaseAddress = server.BaseAddress };

        using var preflight = await client.SendAsync(Preflight("/generations", Other, "POST", "content-type"));
        using var read = await client.SendAsync(WithOrigin(HttpMethod.Get, $"/generations/{Guid.NewGuid()}", Other));

        preflight.Headers.Contains("Access-Control-Allow-Origin").Should().BeFalse();
        read.Headers.Contains("Access-Control-Allow-Origin").Should().BeFalse();
    }

    [Fact]
    public async Task Page_WithOriginsListed_GetsNoCorsHeaders()
    {
        await using var server = await SampleServer.StartAsync(settings: $"--Sample:CorsOrigins={Allowed}");
        using var client = new HttpClient { BaseAddress = server.BaseAddress };

        using var page = await client.SendAsync(WithOrigin(HttpMethod.Get, "/", Allowed));
        using var health = await client.SendAsync(WithOrigin(HttpMethod.Get, "/health", Allowed));

        page.StatusCode.Should().Be(HttpStatusCode.OK);
        page.Headers.Contains("Access-Control-Allow-Origin").Should().BeFalse("the policy is on the generation endpoints, not global");
        health.Headers.Contains("Access-Control-Allow-Origin").Should().BeFalse();
    }

    [Fact]
    public async Task Request_WithoutTheOption_GetsNoCorsHeaders()
    {
        await using var server = await SampleServer.StartAsync();
        using var client = new HttpClient { BaseAddress = server.BaseAddress };

        using var preflight = await client.SendAsync(Preflight("/generations", Allowed, "POST", "content-type"));
        using var read = await client.SendAsync(WithOrigin(HttpMethod.Get, $"/generations/{Guid.NewGuid()}", Allowed));

        preflight.Headers.Contains("Access-Control-Allow-Origin").Should().BeFalse();
        read.Headers.Contains("Access-Control-Allow-Origin").Should().BeFalse();
    }

    [Fact]
    public async Task Origins_InTheArrayForm_AreAllowed()
    {
        await using var server = await SampleServer.StartAsync(settings: [$"--Sample:CorsOrigins:0={Other}", $"--Sample:CorsOrigins:1={Allowed}"]);
        using var client = new HttpClient { BaseAddress = server.BaseAddress };

        using var response = await client.SendAsync(Preflight("/generations", Allowed, "POST", "content-type"));

        Header(response, "Access-Control-Allow-Origin").Should().Be(Allowed);
    }

    [Theory]
    [InlineData(" http://localhost:5173/ , https://app.example.com:8443 ", new[] { "http://localhost:5173", "https://app.example.com:8443" })]
    [InlineData("HTTP://LOCALHOST:5173", new[] { "http://localhost:5173" })]
    [InlineData("http://a.test,http://a.test", new[] { "http://a.test" })]
    [InlineData("", new string[0])]
    public void ReadOrigins_ValidLists_AreNormalisedOrigins(string value, string[] expected)
    {
        SampleCors.ReadOrigins(Configuration(value)).Should().Equal(expected);
    }

    [Theory]
    [InlineData("*", "may not be '*'")]
    [InlineData("http://localhost:5173,*", "may not be '*'")]
    [InlineData("localhost:5173", "'localhost:5173', which is not an origin")]
    [InlineData("ftp://files.test", "'ftp://files.test', which is not an origin")]
    [InlineData("http://app.test/path", "'http://app.test/path', which is not an origin")]
    [InlineData("http://app.test?x=1", "which is not an origin")]
    [InlineData("http://user:secret@app.test", "which is not an origin")]
    [InlineData("/relative", "which is not an origin")]
    [InlineData("javascript:alert(1)", "which is not an origin")]
    public void ReadOrigins_NotAnOrigin_ThrowsNamingTheSetting(string value, string reason)
    {
        var act = () => SampleCors.ReadOrigins(Configuration(value));

        act.Should().Throw<InvalidOperationException>().Which.Message.Should().StartWith("Sample:CorsOrigins").And.Contain(reason);
    }

    private static IConfiguration Configuration(string value) =>
        new ConfigurationBuilder().AddInMemoryCollection([new(SampleCors.ConfigurationKey, value)]).Build();

    private static HttpRequestMessage Preflight(string path, string origin, string method, string headers)
    {
        var request = WithOrigin(HttpMethod.Options, path, origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", headers);
        return request;
    }

    private static HttpRequestMessage WithOrigin(HttpMethod method, string path, string origin)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("Origin", origin);
        return request;
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : "(none)";
}
