using System.Text.RegularExpressions;
using Iteration.Streaming.Sample.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Iteration.Streaming.Sample.Web.Tests.Browser;

/// <summary>The generations started from this browser stay listed after a reload, reopen live or final, and clear.</summary>
[Collection(SecondBrowserCollection.Name)]
public sealed class HistoryTests(BrowserFixture browser)
{
    [Fact]
    public async Task BarePage_AfterRuns_ListsEachGenerationWithItsPromptStatusAndTime()
    {
        await using var server = await SampleServer.StartAsync();
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        var completed = await page.StartAsync("A library catalogue");
        await page.ExpectCompletedAsync();
        var failed = await page.StartAsync("A task tracker [fail-always:phase=2]");
        await page.ExpectStatusAsync("failed");

        // Another tab of the same browser: no current generation (session storage is per tab), the same history.
        var bare = new SamplePage(await page.Page.Context.NewPageAsync());
        await bare.OpenAsync(server.BaseAddress);

        await Expect(bare.Page.Locator("#progress-card")).ToBeHiddenAsync();
        await Expect(bare.History()).ToHaveCountAsync(2);
        await Expect(bare.History().Nth(0)).ToContainTextAsync("A task tracker [fail-always:phase=2]");
        await Expect(bare.History().Nth(0).Locator(".badge")).ToHaveTextAsync("failed");
        await Expect(bare.History().Nth(0)).ToContainTextAsync($"generation · just now · {failed[..8]}");
        await Expect(bare.History().Nth(1)).ToContainTextAsync("A library catalogue");
        await Expect(bare.History().Nth(1).Locator(".badge")).ToHaveTextAsync("completed");
        await Expect(bare.History().Nth(1).Locator("time")).ToHaveAttributeAsync("datetime", new Regex(@"^\d{4}-\d\d-\d\dT"));
        await Expect(bare.History().Nth(1)).ToContainTextAsync(completed[..8]);
    }

    [Fact]
    public async Task OpenFromHistory_FinishedGeneration_ShowsItsFinalStateAndFiles()
    {
        await using var server = await SampleServer.StartAsync();
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        var id = await page.StartAsync("A library catalogue");
        await page.ExpectCompletedAsync();
        var bare = new SamplePage(await page.Page.Context.NewPageAsync());
        await bare.OpenAsync(server.BaseAddress);

        await bare.History().GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "A library catalogue" }).ClickAsync();

        await Expect(bare.GenerationId).ToHaveTextAsync(id);
        await bare.ExpectCompletedAsync();
        await Expect(bare.Elapsed()).ToHaveTextAsync(new Regex(@"^took \d+ s$"));
        (await bare.PhaseStatesAsync()).Should().HaveCount(5).And.OnlyContain(s => s.EndsWith(": done", StringComparison.Ordinal));
        await Expect(bare.Files.First).ToBeVisibleAsync();
        await Expect(bare.History().Nth(0)).ToHaveAttributeAsync("aria-current", "true");
    }

    [Fact]
    public async Task OpenFromHistory_RunningGeneration_FollowsItLiveToTheEnd()
    {
        await using var server = await SampleServer.StartAsync(controlled: true);
        server.Control!.HoldBefore(3);
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        var id = await page.StartAsync();
        await page.WaitForStageAsync("phase_3_started");
        var bare = new SamplePage(await page.Page.Context.NewPageAsync());
        await bare.OpenAsync(server.BaseAddress);

        await bare.History().Locator("button").First.ClickAsync();
        await bare.ExpectStatusAsync("processing");
        await Expect(bare.Phase).ToHaveTextAsync("Phase 3/5 — Task Entity");
        server.Control.Release(3);

        await bare.ExpectCompletedAsync();
        await Expect(bare.GenerationId).ToHaveTextAsync(id);
        (await bare.StagesAsync()).Should().Contain("phase_3_complete", "the stream was followed from the snapshot on");
    }

    [Fact]
    public async Task Reload_KeepsTheHistoryAndClearEmptiesIt()
    {
        await using var server = await SampleServer.StartAsync();
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        await page.StartAsync();
        await page.ExpectCompletedAsync();

        await page.Page.ReloadAsync();
        await Expect(page.History()).ToHaveCountAsync(1);
        await page.HistoryClear().ClickAsync();

        await Expect(page.History()).ToHaveCountAsync(0);
        await Expect(page.Page.Locator("#history-card")).ToBeHiddenAsync();
        await page.Page.ReloadAsync();
        await Expect(page.Page.Locator("#history-card")).ToBeHiddenAsync();
        (await page.Page.EvaluateAsync<string?>("() => localStorage.getItem('iteration-streaming-sample.history')")).Should().BeNull();
    }

    [Fact]
    public async Task OpenFromHistory_AfterTheTokensEnded_ShowsTheRecordedFinalStateAndSaysTheFilesAreNoLongerReadable()
    {
        await using var server = await SampleServer.StartAsync(settings: "--IterationStreaming:TerminalGracePeriod=00:00:00.001");
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        var id = await page.StartAsync("A library catalogue");
        await page.ExpectCompletedAsync();
        var bare = new SamplePage(await page.Page.Context.NewPageAsync());
        await bare.OpenAsync(server.BaseAddress);
        var streamsBefore = server.Dropper.Requests.Count;

        await bare.History().Locator("button").First.ClickAsync();

        await Expect(bare.GenerationId).ToHaveTextAsync(id);
        await bare.ExpectStatusAsync("completed");
        await Expect(bare.AccessNote()).ToContainTextAsync("no longer lets this browser read this generation or its files");
        await Expect(bare.Message).ToHaveTextAsync(new Regex("^Generation completed successfully with \\d+ files$"));
        (await bare.PhaseStatesAsync()).Should().HaveCount(5).And.OnlyContain(s => s.EndsWith(": done", StringComparison.Ordinal));
        await Expect(bare.Files).ToHaveCountAsync(0);
        await Expect(bare.Archive).ToBeHiddenAsync();
        await Expect(bare.ErrorAction).ToHaveTextAsync("Run it again");
        server.Dropper.Requests.Count.Should().Be(streamsBefore, "a refused snapshot with a recorded end opens no stream");
        await bare.ErrorAction.ClickAsync();
        await bare.NewGenerationIdAsync(id);
        await bare.ExpectCompletedAsync();
    }
}
