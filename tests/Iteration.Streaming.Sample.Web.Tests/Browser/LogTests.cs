using Iteration.Streaming.Sample.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Iteration.Streaming.Sample.Web.Tests.Browser;

/// <summary>The sample's logs are structured and never carry a token or the sign-in cookie, even with every category at Trace.</summary>
[Collection(BrowserCollection.Name)]
public sealed class LogTests(BrowserFixture browser)
{
    [Fact]
    public async Task Logs_AtTraceLevel_OfARunWithFileReadsACancelAndARefusedToken_NeverContainATokenOrTheCookie()
    {
        await using var server = await SampleServer.StartAsync(settings: ["--Logging:LogLevel:Default=Trace", "--Logging:LogLevel:Microsoft=Trace", "--Logging:LogLevel:Microsoft.AspNetCore=Trace"]);
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        // The page keeps no token (it goes by ownership), but the 202 answer carries them: an API client would use them.
        var started = await page.StartedByAsync(() => page.StartAsync());
        var id = started.GetProperty("generation_id").GetString()!;
        var readToken = started.GetProperty("sse_token").GetString()!;
        var controlToken = started.GetProperty("control_token").GetString()!;
        await page.ExpectCompletedAsync();
        var cookie = (await page.Page.Context.CookiesAsync()).Single(c => c.Name == "iteration-sample-identity").Value;

        // A preview and a download link (by ownership: the cookie), a cancel (control token in the header), a refused token.
        await page.File("Program.cs").ClickAsync();
        await Expect(page.PreviewText()).Not.ToBeEmptyAsync();
        var download = await page.Page.APIRequest.GetAsync(new Uri(server.BaseAddress, (await page.File("Program.cs").GetAttributeAsync("href"))!).ToString());
        download.Status.Should().Be(200);
        await page.Page.APIRequest.DeleteAsync(new Uri(server.BaseAddress, $"/generations/{id}").ToString(), new() { Headers = new Dictionary<string, string> { ["Authorization"] = $"Bearer {controlToken}" } });
        var refused = await page.Page.APIRequest.GetAsync(new Uri(server.BaseAddress, $"/generations/{id}/stream?token={readToken}x").ToString());
        refused.Status.Should().Be(401);

        server.Logs.Records.Should().Contain(r => r.Contains(id, StringComparison.Ordinal), "runs are logged with their generation id");
        var cookieStart = cookie[..40];
        server.Logs.Records.Should().NotContain(r => r.Contains(cookieStart, StringComparison.Ordinal), "nor the sign-in cookie");
        foreach (var token in new[] { readToken, controlToken })
        {
            var signature = token.Split('.').Last();
            server.Logs.Records.Should().NotContain(r => r.Contains(token, StringComparison.Ordinal));
            server.Logs.Records.Should().NotContain(r => r.Contains(signature, StringComparison.Ordinal), "not even the signature alone");
        }
    }
}
