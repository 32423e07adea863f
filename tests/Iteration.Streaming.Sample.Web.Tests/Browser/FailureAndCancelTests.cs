using Iteration.Streaming.Sample.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Iteration.Streaming.Sample.Web.Tests.Browser;

/// <summary>A run that fails or is cancelled keeps what it saved, and the page says so with labelled counts.</summary>
[Collection(SecondBrowserCollection.Name)]
public sealed class FailureAndCancelTests(BrowserFixture browser)
{
    [Fact]
    public async Task FailingRun_ShowsTheErrorAndKeepsThePartialFilesReadable()
    {
        await using var server = await SampleServer.StartAsync();
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);

        await page.StartAsync("A task tracker [fail-always:phase=3]");

        await page.ExpectStatusAsync("failed");
        await Expect(page.Error).ToContainTextAsync("gave up in phase 3 (Task Entity)");
        await Expect(page.ErrorAction).ToHaveTextAsync("Retry");
        await Expect(page.SavedCount).ToHaveTextAsync("9");
        await Expect(page.FileCount).ToHaveTextAsync("9 saved · 2 in the phase that failed, not saved");
        (await page.PhaseStatesAsync()).Should().Equal(
            "Core Infrastructure: done", "User Entity: done", "Task Entity: failed", "Support Files: pending", "Main Application: pending");
        (await page.SavedFilesAsync()).Should().Contain(["src/Models/User.cs", "src/Infrastructure/IRepository.cs", "TaskTracker.csproj"]).And.NotContain("src/Models/Task.cs");
        await Expect(page.Archive).ToBeVisibleAsync();

        await page.File("src/Models/User.cs").ClickAsync();
        await Expect(page.PreviewText()).ToContainTextAsync("public sealed record User : Entity");
    }

    [Fact]
    public async Task InternalError_ShowsTheGenericMessageWithItsReferenceAndNoSecret()
    {
        await using var server = await SampleServer.StartAsync();
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);

        await page.StartAsync("A task tracker [crash:phase=2]");

        await page.ExpectStatusAsync("failed");
        await Expect(page.Error).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^An internal error stopped phase 2 \(User Entity\)\. Reference: [0-9a-f]{12}\.$"));
        (await page.Page.ContentAsync()).Should().NotContain("hunter2");
        await Expect(page.FileCount).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^5 saved · \d+ in the phase that failed, not saved$"));
    }

    [Fact]
    public async Task Cancel_DuringARun_GoesByOwnershipShowsCancelledAndKeepsTheFilesSavedSoFar()
    {
        await using var server = await SampleServer.StartAsync(controlled: true);
        server.Control!.HoldBefore(2);
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        var id = await page.StartAsync();
        await Expect(page.SavedCount).ToHaveTextAsync("5");

        var request = await page.Page.RunAndWaitForRequestAsync(() => page.Cancel.ClickAsync(), r => r.Method == "DELETE");

        request.Url.Should().EndWith($"/generations/{id}", "no token in the URL");
        (await request.HeaderValueAsync("authorization")).Should().BeNull("the signed-in owner cancels; the page keeps no token");
        await page.ExpectStatusAsync("cancelled");
        await Expect(page.Cancel).ToBeDisabledAsync();
        await Expect(page.SavedCount).ToHaveTextAsync("5");
        await Expect(page.FileCount).ToHaveTextAsync("5 saved");
        (await page.PhaseStatesAsync())[1].Should().Be("User Entity: stopped");
        (await page.SavedFilesAsync()).Should().Contain("src/Infrastructure/IRepository.cs");
        await Expect(page.Archive).ToBeVisibleAsync();
        await Expect(page.Page.Locator("#iterate-card")).ToBeHiddenAsync();
        server.Control.Release(2);
    }
}
