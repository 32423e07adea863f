using Iteration.Streaming.Sample.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Iteration.Streaming.Sample.Web.Tests.Browser;

/// <summary>
/// The page at phone and desktop widths: every planned phase, the time and the counts visible, nothing wider than the
/// viewport. Each state is captured; with <c>UPDATE_SCREENSHOTS=1</c> the captures replace the README's screenshots in
/// samples/Iteration.Streaming.Sample.Web/docs/.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ResponsiveTests(BrowserFixture browser)
{
    [Theory]
    [InlineData(390, 844)]
    [InlineData(1280, 900)]
    public async Task Page_MidRunAndFinished_ShowsEveryPhaseTimeAndCountsWithoutHorizontalOverflow(int width, int height)
    {
        await using var server = await SampleServer.StartAsync(controlled: true);
        var page = await browser.NewSamplePageAsync(width, height);
        await page.OpenAsync(server.BaseAddress);
        await page.StartAsync("A library catalogue", "Book, Member");
        await page.ExpectCompletedAsync();
        server.Control!.HoldBefore(3);
        await page.StartAsync();
        await page.WaitForStageAsync("phase_3_started");
        await Expect(page.SavedCount).ToHaveTextAsync("9");

        await Expect(page.Phases()).ToHaveCountAsync(5);
        foreach (var phase in await page.Phases().AllAsync())
        {
            await Expect(phase).ToBeVisibleAsync();
        }

        await Expect(page.Elapsed()).ToContainTextAsync("elapsed");
        await Expect(page.FileCount).ToHaveTextAsync("9 generated · 9 saved");
        await ExpectNoOverflowAsync(page);
        await CaptureAsync(page, $"mid-run-{width}.png");

        server.Control.Release(3);
        await page.ExpectCompletedAsync();
        await page.File("src/Models/Task.cs").ClickAsync();
        await Expect(page.PreviewText()).Not.ToBeEmptyAsync();
        await Expect(page.Elapsed()).ToContainTextAsync("took");
        await ExpectNoOverflowAsync(page);
        await CaptureAsync(page, $"finished-{width}.png");
    }

    private static async Task ExpectNoOverflowAsync(SamplePage page)
    {
        var overflow = await page.HorizontalOverflowAsync();
        overflow.Should().Be(0, $"nothing may be wider than the viewport, but these are: {string.Join(", ", await page.OverflowingElementsAsync())}");
    }

    private static async Task CaptureAsync(SamplePage page, string name)
    {
        var update = Environment.GetEnvironmentVariable("UPDATE_SCREENSHOTS") == "1";
        var folder = update ? RepositoryPaths.SampleDocs : Path.Combine(Path.GetTempPath(), "iteration-sample-screenshots");
        Directory.CreateDirectory(folder);
        await page.Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name), FullPage = true, Animations = ScreenshotAnimations.Disabled });
    }
}
