using System.Text.RegularExpressions;
using Iteration.Streaming.Sample.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Iteration.Streaming.Sample.Web.Tests.Browser;

/// <summary>A saved file previews in the page: monospace, line numbers, a size limit with a download link beyond it.</summary>
[Collection(SecondBrowserCollection.Name)]
public sealed class FilePreviewTests(BrowserFixture browser)
{
    [Fact]
    public async Task ClickOnAFile_ShowsItsContentWithLineNumbersWithoutLeavingThePage()
    {
        await using var server = await SampleServer.StartAsync();
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        await page.StartAsync();
        await page.ExpectCompletedAsync();
        var url = page.Page.Url;

        await page.File("src/Models/User.cs").ClickAsync();

        await Expect(page.Preview()).ToBeVisibleAsync();
        await Expect(page.PreviewTitle()).ToHaveTextAsync("src/Models/User.cs");
        await Expect(page.PreviewText()).ToContainTextAsync("public sealed record User : Entity");
        var lines = (await page.PreviewText().TextContentAsync())!.Split('\n').Length;
        await Expect(page.PreviewLines()).ToHaveTextAsync(string.Join('\n', Enumerable.Range(1, lines)));
        await Expect(page.PreviewNote()).ToHaveTextAsync(new Regex($@"^\d+ B · {lines} lines$"));
        (await page.PreviewText().EvaluateAsync<string>("e => getComputedStyle(e).fontFamily")).Should().Contain("monospace");
        await Expect(page.PreviewDownload()).ToHaveAttributeAsync("href", new Regex("/files/src/Models/User.cs$"));
        page.Page.Url.Should().Be(url, "the preview stays in the page");
        page.Page.Context.Pages.Should().ContainSingle("no new tab was opened");
    }

    [Fact]
    public async Task FileOverTheSizeLimit_IsNotLoadedAndOffersTheDownloadLink()
    {
        await using var server = await SampleServer.StartAsync();
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        await page.StartAsync();
        await page.ExpectCompletedAsync();
        var fileRequests = 0;
        page.Page.Request += (_, request) => fileRequests += request.Url.Contains("/files/", StringComparison.Ordinal) ? 1 : 0;

        // A product team sets the limit on #preview; 100 bytes makes the demo's endpoint files "too large".
        await page.Page.Locator("#preview").EvaluateAsync("e => e.dataset.previewLimit = '100'");
        await page.File("src/Endpoints/UserEndpoints.cs").ClickAsync();

        await Expect(page.PreviewNote()).ToContainTextAsync("too large to preview here (the limit is 100 B). Download it to read it.");
        await Expect(page.Page.Locator("#preview-body")).ToBeHiddenAsync();
        await Expect(page.PreviewDownload()).ToBeVisibleAsync();
        var download = await page.Page.APIRequest.GetAsync(new Uri(server.BaseAddress, (await page.PreviewDownload().GetAttributeAsync("href"))!).ToString());
        download.Status.Should().Be(200);
        fileRequests.Should().Be(0, "the page did not pull the large file in");
    }

    [Fact]
    public async Task Keyboard_EnterOnAFileOpensThePreviewAndEscapeClosesItBackToTheFile()
    {
        await using var server = await SampleServer.StartAsync();
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        await page.StartAsync();
        await page.ExpectCompletedAsync();
        var file = page.File("Program.cs");

        await file.FocusAsync();
        await page.Page.Keyboard.PressAsync("Enter");

        await Expect(page.PreviewTitle()).ToHaveTextAsync("Program.cs");
        await Expect(page.PreviewTitle()).ToBeFocusedAsync();
        await page.Page.Keyboard.PressAsync("Escape");
        await Expect(page.Preview()).ToBeHiddenAsync();
        await Expect(file).ToBeFocusedAsync();
    }
}
