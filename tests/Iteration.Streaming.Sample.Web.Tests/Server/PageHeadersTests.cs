using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Iteration.Streaming.Sample.Web.Tests.Infrastructure;

namespace Iteration.Streaming.Sample.Web.Tests.Server;

/// <summary>The page's static responses carry a Content-Security-Policy it holds to, and the anti-framing and sniffing headers.</summary>
public sealed class PageHeadersTests
{
    [Theory]
    [InlineData("/")]
    [InlineData("/index.html")]
    [InlineData("/app.js")]
    [InlineData("/owner-client.js")]
    [InlineData("/generations.js")]
    [InlineData("/styles.css")]
    [InlineData("/favicon.svg")]
    [InlineData("/lib/iteration-streaming-client/index.js")]
    public async Task StaticFile_Always_CarriesThePageHeaders(string path)
    {
        await using var server = await SampleServer.StartAsync();
        using var client = new HttpClient { BaseAddress = server.BaseAddress };

        using var response = await client.GetAsync(path);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var csp = Header(response, "Content-Security-Policy");
        csp.Should().StartWith("default-src 'self';").And.Contain("script-src 'self'").And.Contain("connect-src 'self'")
            .And.EndWith("frame-ancestors 'none'").And.NotContain("unsafe-inline").And.NotContain("unsafe-eval");
        Header(response, "X-Content-Type-Options").Should().Be("nosniff");
        Header(response, "Referrer-Policy").Should().Be("no-referrer");
        Header(response, "X-Frame-Options").Should().Be("DENY");
    }

    [Fact]
    public async Task Favicon_TheBrowsersDefaultRequest_AnswersTheSvgIcon()
    {
        await using var server = await SampleServer.StartAsync();
        using var client = new HttpClient { BaseAddress = server.BaseAddress };

        using var response = await client.GetAsync("/favicon.ico");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("image/svg+xml");
        (await response.Content.ReadAsStringAsync()).Should().StartWith("<svg");
    }

    [Fact]
    public async Task Page_Html_HasNoInlineScriptStyleOrHandler()
    {
        await using var server = await SampleServer.StartAsync();
        using var client = new HttpClient { BaseAddress = server.BaseAddress };

        var html = await client.GetStringAsync("/");

        Regex.Matches(html, @"<script(?![^>]*\bsrc=)[^>]*>", RegexOptions.IgnoreCase).Should().BeEmpty("the CSP allows no inline script");
        html.Should().NotContainAny("<style", " style=", "javascript:");
        Regex.IsMatch(html, @"\son[a-z]+\s*=", RegexOptions.IgnoreCase).Should().BeFalse("no inline event handler");
        html.Should().Contain("<link rel=\"icon\" href=\"favicon.svg\"");
    }

    [Fact]
    public async Task Api_JsonAnswer_IsLeftAsTheLibraryWritesIt()
    {
        await using var server = await SampleServer.StartAsync();
        using var client = new HttpClient { BaseAddress = server.BaseAddress };

        using var response = await client.PostAsJsonAsync("/generations", new { prompt = "A task tracker" });

        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
        response.Headers.Contains("Content-Security-Policy").Should().BeFalse();
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(", ", values)
            : "(none)";
}
