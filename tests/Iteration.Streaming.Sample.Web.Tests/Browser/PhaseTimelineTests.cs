using System.Text.RegularExpressions;
using Iteration.Streaming.Sample.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Iteration.Streaming.Sample.Web.Tests.Browser;

/// <summary>Every planned phase at a glance, the time, and the progress as assistive technology hears it.</summary>
[Collection(BrowserCollection.Name)]
public sealed partial class PhaseTimelineTests(BrowserFixture browser)
{
    [Fact]
    public async Task MidRun_ListsEveryPlannedPhaseAsDoneCurrentOrPendingWithFileCounts()
    {
        await using var server = await SampleServer.StartAsync(controlled: true);
        server.Control!.HoldBefore(3);
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);

        await page.StartAsync();
        await page.WaitForStageAsync("phase_3_started");

        await Expect(page.Phases()).ToHaveCountAsync(5);
        (await page.PhaseStatesAsync()).Should().Equal(
            "Core Infrastructure: done", "User Entity: done", "Task Entity: current", "Support Files: pending", "Main Application: pending");
        await Expect(page.Phases().Nth(0)).ToContainTextAsync("done · 5 files");
        await Expect(page.Phases().Nth(1)).ToContainTextAsync("done · 4 files");
        await Expect(page.Phases().Nth(2)).ToContainTextAsync("in progress");
        await Expect(page.Phases().Nth(2)).ToHaveAttributeAsync("aria-current", "step");
        await Expect(page.Phases().Nth(3)).ToContainTextAsync("pending");
        await Expect(page.FileCount).ToHaveTextAsync("9 generated · 9 saved");
        server.Control.Release(3);
        await page.ExpectCompletedAsync();
        (await page.PhaseStatesAsync()).Should().OnlyContain(s => s.EndsWith(": done", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_ShowsTheElapsedTimeWhileLiveAndTheDurationOnceEnded()
    {
        await using var server = await SampleServer.StartAsync(controlled: true);
        server.Control!.HoldBefore(2);
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);

        await page.StartAsync();
        await page.WaitForStageAsync("phase_2_started");

        await Expect(page.Elapsed()).ToHaveTextAsync(ElapsedPattern());
        server.Control.Release(2);
        await page.ExpectCompletedAsync();
        await Expect(page.Elapsed()).ToHaveTextAsync(DurationPattern());
        await Expect(page.Page.Locator("#eta")).ToHaveTextAsync(string.Empty);
    }

    [Fact]
    public async Task PhaseChange_IsExposedThroughTheProgressbarAndAPoliteLiveRegion()
    {
        await using var server = await SampleServer.StartAsync(controlled: true);
        server.Control!.HoldBefore(3);
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);

        await page.StartAsync();
        await page.WaitForStageAsync("phase_3_started");

        var percent = (await page.Percent.TextContentAsync())!.Split('%')[0];
        await Expect(page.ProgressBar()).ToHaveAttributeAsync("role", "progressbar");
        await Expect(page.ProgressBar()).ToHaveAttributeAsync("aria-valuenow", percent);
        await Expect(page.ProgressBar()).ToHaveAttributeAsync("aria-valuetext", $"{percent}%, Phase 3 of 5 — Task Entity");
        await Expect(page.Announcer()).ToHaveAttributeAsync("aria-live", "polite");
        await Expect(page.Announcer()).ToHaveTextAsync("Phase 3 of 5 started: Task Entity");
        server.Control.Release(3);
        await page.ExpectCompletedAsync();
        await Expect(page.Announcer()).ToHaveTextAsync(new Regex("^Generation completed successfully with \\d+ files$"));
        await Expect(page.ProgressBar()).ToHaveAttributeAsync("aria-valuenow", "100");
    }

    [GeneratedRegex(@"^(\d+ s|\d+ min \d\d s) elapsed$")]
    private static partial Regex ElapsedPattern();

    [GeneratedRegex(@"^took (\d+ s|\d+ min \d\d s)$")]
    private static partial Regex DurationPattern();
}
