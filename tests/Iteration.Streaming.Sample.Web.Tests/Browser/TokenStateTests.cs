using Iteration.Streaming.Sample.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Iteration.Streaming.Sample.Web.Tests.Browser;

/// <summary>A refused stream token ends in a clear state with one request, never in a silent reconnect loop.</summary>
[Collection(BrowserCollection.Name)]
public sealed class TokenStateTests(BrowserFixture browser)
{
    [Fact]
    public async Task ForgedToken_ShowsTheUnauthorizedStateAfterOneStreamRequest()
    {
        await using var server = await SampleServer.StartAsync();
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        var id = await page.StartAsync();
        await page.ExpectCompletedAsync();

        // The page keeps its generation in session storage; a tampered signature stands in for a forged link.
        await page.Page.EvaluateAsync("""
            ([key, ending]) => {
              const saved = JSON.parse(sessionStorage.getItem(key));
              saved.token = saved.token.slice(0, -2) + (saved.token.endsWith(ending) ? 'yy' : ending);
              sessionStorage.setItem(key, JSON.stringify(saved));
            }
            """, new[] { "iteration-streaming-sample.current", "xx" });
        await page.Page.ReloadAsync();

        await Expect(page.Status).ToHaveTextAsync("unauthorized");
        await Expect(page.Error).ToContainTextAsync("The stream token was refused");
        await Expect(page.ErrorAction).ToHaveTextAsync("Start again");
        await Expect(page.Connection).ToHaveTextAsync(string.Empty);
        await Expect(page.Page.Locator("#files-note")).ToHaveTextAsync("The saved files cannot be listed without a valid token.");
        server.Dropper.Requests.Where(r => r.GenerationId == id).Should().HaveCount(2, "one stream before the reload, one refused after it")
            .And.ContainSingle(r => r.StatusCode == 401);
    }

    [Fact]
    public async Task ExpiredToken_AfterTheGracePeriod_ShowsTheUnauthorizedState()
    {
        await using var server = await SampleServer.StartAsync(settings: "--IterationStreaming:TerminalGracePeriod=00:00:00.001");
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        await page.StartAsync();
        await page.ExpectCompletedAsync();
        await Expect(page.Page.Locator("#files-note")).ToHaveTextAsync("The stream token has expired: start again to see these files.");

        await page.Page.ReloadAsync();

        await Expect(page.Status).ToHaveTextAsync("unauthorized");
        await Expect(page.Error).ToContainTextAsync("The stream token has expired");
        await page.Page.Locator("#retry").ClickAsync();
        await page.ExpectCompletedAsync();
    }
}
