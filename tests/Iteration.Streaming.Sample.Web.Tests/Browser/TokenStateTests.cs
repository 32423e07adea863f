using Iteration.Streaming.Sample.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Iteration.Streaming.Sample.Web.Tests.Browser;

/// <summary>
/// A refused token ends in a clear state with one request, never in a silent reconnect loop; a generation whose end this
/// browser recorded shows that end, honestly labelled, once the server no longer lets it in.
/// </summary>
[Collection(SecondBrowserCollection.Name)]
public sealed class TokenStateTests(BrowserFixture browser)
{
    private const string Tamper = """
        ([key, ending]) => {
          const saved = JSON.parse(sessionStorage.getItem(key));
          saved.readToken = saved.readToken.slice(0, -2) + (saved.readToken.endsWith(ending) ? 'yy' : ending);
          sessionStorage.setItem(key, JSON.stringify(saved));
        }
        """;

    [Fact]
    public async Task ForgedToken_MidRun_ShowsTheUnauthorizedStateAfterOneStreamRequest()
    {
        await using var server = await SampleServer.StartAsync(controlled: true);
        server.Control!.HoldBefore(3);
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        var id = await page.StartAsync();
        await page.WaitForStageAsync("phase_3_started");

        // The page keeps its generation in session storage; a tampered signature stands in for a forged link.
        await page.Page.EvaluateAsync(Tamper, new[] { SamplePageExtensions.CurrentKey, "xx" });
        await page.Page.ReloadAsync();

        await page.ExpectStatusAsync("unauthorized");
        await Expect(page.Error).ToContainTextAsync("The stream token was refused");
        await Expect(page.ErrorAction).ToHaveTextAsync("Start again");
        await Expect(page.Connection).ToHaveTextAsync(string.Empty);
        await Expect(page.Page.Locator("#files-note")).ToHaveTextAsync("The saved files cannot be listed without a valid token.");
        server.Dropper.Requests.Where(r => r.GenerationId == id).Should().HaveCount(2, "one stream before the reload, one refused after it")
            .And.ContainSingle(r => r.StatusCode == 401);
        server.Control.Release(3);
    }

    [Fact]
    public async Task ForgedToken_AfterTheEnd_ShowsTheRecordedEndAndSaysTheServerRefusesThisBrowser()
    {
        await using var server = await SampleServer.StartAsync();
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        await page.StartAsync();
        await page.ExpectCompletedAsync();

        await page.Page.EvaluateAsync(Tamper, new[] { SamplePageExtensions.CurrentKey, "xx" });
        await page.Page.ReloadAsync();

        await Expect(page.AccessNote()).ToContainTextAsync("the server no longer lets this browser read this generation or its files");
        await page.ExpectStatusAsync("completed");
        await Expect(page.SavedCount).ToHaveTextAsync("23");
        await Expect(page.FileCount).ToHaveTextAsync("23 files");
        await Expect(page.ErrorAction).ToHaveTextAsync("Run it again");
        server.Dropper.Requests.Should().ContainSingle("the recorded end needs no stream");
    }

    [Fact]
    public async Task ExpiredToken_AfterTheGracePeriod_SaysTheFilesAreNoLongerReadableAndRunItAgainWorks()
    {
        await using var server = await SampleServer.StartAsync(settings: "--IterationStreaming:TerminalGracePeriod=00:00:00.001");
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        var first = await page.StartAsync();
        await page.ExpectCompletedAsync();

        await page.Page.ReloadAsync();

        await Expect(page.AccessNote()).ToBeVisibleAsync();
        await page.ExpectStatusAsync("completed");
        await page.ErrorAction.ClickAsync();
        await page.NewGenerationIdAsync(first);
        await page.ExpectCompletedAsync();
    }
}
