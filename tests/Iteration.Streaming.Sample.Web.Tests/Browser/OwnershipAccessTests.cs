using Iteration.Streaming.Sample.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Iteration.Streaming.Sample.Web.Tests.Browser;

/// <summary>
/// The page reads by ownership: a generation stays readable by its owner after its tokens ended, and a refusal (another
/// user's generation) ends in a clear state after one stream request, never in a silent reconnect loop.
/// </summary>
[Collection(SecondBrowserCollection.Name)]
public sealed class OwnershipAccessTests(BrowserFixture browser)
{
    [Fact]
    public async Task Reload_AfterTheTokensEnded_StillShowsTheGenerationAndItsFiles()
    {
        await using var server = await SampleServer.StartAsync(settings: "--IterationStreaming:TerminalGracePeriod=00:00:00.001");
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        await page.StartAsync();
        await page.ExpectCompletedAsync();

        await page.Page.ReloadAsync();

        await page.ExpectCompletedAsync();
        await Expect(page.SavedCount).ToHaveTextAsync("23");
        await Expect(page.FileCount).ToHaveTextAsync("23 files");
        await Expect(page.AccessNote()).ToBeHiddenAsync();
        await Expect(page.Archive).ToBeVisibleAsync();
    }

    [Fact]
    public async Task AnotherUsersGeneration_MidRun_ShowsTheUnauthorizedStateAfterOneStreamRequest()
    {
        await using var server = await SampleServer.StartAsync(controlled: true);
        server.Control!.HoldBefore(3);
        var owner = new SamplePage(await browser.NewPageAsync());
        await owner.OpenAsync(server.BaseAddress);
        var id = await owner.StartAsync();
        await owner.WaitForStageAsync("phase_3_started");
        var other = new SamplePage(await browser.NewPageAsync());
        await other.OpenAsync(server.BaseAddress);
        var before = server.Dropper.Requests.Count(r => r.GenerationId == id);

        await other.Page.EvaluateAsync("([key, id]) => sessionStorage.setItem(key, JSON.stringify({ id }))", new[] { SamplePageExtensions.CurrentKey, id });
        await other.Page.ReloadAsync();

        await other.ExpectStatusAsync("unauthorized");
        await Expect(other.Error).ToContainTextAsync("The server refused to show this generation");
        await Expect(other.Connection).ToHaveTextAsync(string.Empty);
        await Expect(other.Page.Locator("#files-note")).ToHaveTextAsync("The saved files can only be listed by the generation's owner.");
        server.Dropper.Requests.Where(r => r.GenerationId == id).Skip(before).Should().ContainSingle("one refused stream, no reconnect loop")
            .Which.StatusCode.Should().Be(401);
        server.Control.Release(3);
        await owner.ExpectCompletedAsync();
    }
}
