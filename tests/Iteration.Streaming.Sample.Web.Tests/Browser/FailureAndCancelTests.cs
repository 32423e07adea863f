using Iteration.Streaming.Sample.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Iteration.Streaming.Sample.Web.Tests.Browser;

/// <summary>A run that fails or is cancelled keeps what it saved, and the page says so.</summary>
[Collection(BrowserCollection.Name)]
public sealed class FailureAndCancelTests(BrowserFixture browser)
{
    [Fact]
    public async Task FailingRun_ShowsTheErrorAndKeepsThePartialFilesWithWorkingLinks()
    {
        await using var server = await SampleServer.StartAsync();
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);

        await page.StartAsync("A task tracker [fail:phase=3]");

        await Expect(page.Status).ToHaveTextAsync("failed");
        await Expect(page.Error).ToContainTextAsync("gave up in phase 3 (Task Entity)");
        await Expect(page.ErrorAction).ToHaveTextAsync("Retry");
        await Expect(page.SavedCount).ToHaveTextAsync("9");
        (await page.SavedFilesAsync()).Should().Contain(["src/Models/User.cs", "src/Infrastructure/IRepository.cs", "TaskTracker.csproj"]).And.NotContain("src/Models/Task.cs");
        await Expect(page.Archive).ToBeVisibleAsync();

        var popup = await page.Page.Context.RunAndWaitForPageAsync(() => page.Files.Filter(new() { HasText = "src/Models/User.cs" }).ClickAsync());
        await Expect(popup.Locator("body")).ToContainTextAsync("public sealed record User : Entity");
    }

    [Fact]
    public async Task Retry_AfterATransientFailure_StartsTheSameRequestAgainAndCompletes()
    {
        await using var server = await SampleServer.StartAsync(controlled: true);
        server.Control!.FailOnlyFirstRun = true;
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        var failed = await page.StartAsync("A task tracker [fail:phase=3]");
        await Expect(page.Status).ToHaveTextAsync("failed");

        await page.ErrorAction.ClickAsync();

        var retried = await page.NewGenerationIdAsync(failed);
        await page.ExpectCompletedAsync();
        await Expect(page.Page.Locator("#error")).ToBeHiddenAsync();
        await Expect(page.SavedCount).ToHaveTextAsync("20");
        retried.Should().NotBe(failed);
    }

    [Fact]
    public async Task Cancel_DuringARun_ShowsCancelledAndKeepsTheFilesSavedSoFar()
    {
        await using var server = await SampleServer.StartAsync(controlled: true);
        server.Control!.HoldBefore(2);
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        await page.StartAsync();
        await Expect(page.SavedCount).ToHaveTextAsync("5");

        await page.Cancel.ClickAsync();

        await Expect(page.Status).ToHaveTextAsync("cancelled");
        await Expect(page.Cancel).ToBeDisabledAsync();
        await Expect(page.SavedCount).ToHaveTextAsync("5");
        (await page.SavedFilesAsync()).Should().Contain("src/Infrastructure/IRepository.cs");
        await Expect(page.Archive).ToBeVisibleAsync();
        await Expect(page.Page.Locator("#iterate-card")).ToBeHiddenAsync();
    }
}
