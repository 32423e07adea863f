using Iteration.Streaming.Sample.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Iteration.Streaming.Sample.Web.Tests.Browser;

/// <summary>A whole run and an iteration on it, driven from the page against the real demo generator.</summary>
[Collection(BrowserCollection.Name)]
public sealed class RunTests(BrowserFixture browser)
{
    [Fact]
    public async Task Start_WithTheDemoGenerator_ShowsHundredPercentWithTheFileCount()
    {
        await using var server = await SampleServer.StartAsync();
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);

        await page.StartAsync();

        await page.ExpectCompletedAsync();
        await Expect(page.Message).ToHaveTextAsync("Generation completed successfully with 23 files");
        await Expect(page.FileCount).ToHaveTextAsync("23 files generated");
        await Expect(page.Phase).ToHaveTextAsync("Phase 5/5 — Main Application");
        await Expect(page.SavedCount).ToHaveTextAsync("20");
        await Expect(page.Files).ToHaveCountAsync(20);
        await Expect(page.Archive).ToBeVisibleAsync();
        await Expect(page.Cancel).ToBeDisabledAsync();
    }

    [Fact]
    public async Task Iterate_AfterCompletion_RunsAnIterationThatKeepsTheParentsFiles()
    {
        await using var server = await SampleServer.StartAsync();
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        var parent = await page.StartAsync();
        await page.ExpectCompletedAsync();

        await page.Page.Locator("#modification").FillAsync("Add user authentication");
        await page.Page.Locator("#iterate").ClickAsync();

        var iteration = await page.NewGenerationIdAsync(parent);
        await Expect(page.Page.Locator("#parent")).ToHaveTextAsync($"Iteration of {parent}");
        await page.ExpectCompletedAsync();
        await Expect(page.Message).ToHaveTextAsync("Iteration completed successfully with 25 files");
        await Expect(page.FileCount).ToHaveTextAsync("10 files generated");
        await Expect(page.SavedCount).ToHaveTextAsync("25");
        (await page.SavedFilesAsync()).Should().Contain(["src/Iteration/UserChanges.cs", "src/Models/User.cs", "Program.cs"]);
        await Expect(page.Warning).ToBeHiddenAsync();
        iteration.Should().NotBe(parent);
    }

    [Fact]
    public async Task Iterate_WhenParentFilesGoMissing_ShowsTheDataLossWarning()
    {
        await using var server = await SampleServer.StartAsync(losesOnIteration: "Dockerfile");
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        await page.StartAsync();
        await page.ExpectCompletedAsync();

        await page.Page.Locator("#iterate").ClickAsync();

        await Expect(page.Warning).ToBeVisibleAsync();
        await Expect(page.Warning).ToHaveTextAsync("⚠️ Warning: Expected ~20 files, got 24. Some parent files may be missing. Missing: Dockerfile.");
        await page.ExpectCompletedAsync();
        await Expect(page.Warning).ToBeVisibleAsync();
        (await page.SavedFilesAsync()).Should().NotContain("Dockerfile");
    }
}
