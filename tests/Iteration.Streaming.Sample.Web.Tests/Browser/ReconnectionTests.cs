using Iteration.Streaming.Sample.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Iteration.Streaming.Sample.Web.Tests.Browser;

/// <summary>Dropped connections, reloads and restarts: the page resumes exactly where it was, or says why it cannot.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ReconnectionTests(BrowserFixture browser)
{
    [Fact]
    public async Task NetworkDrop_MidRun_ResumesWithNoRepeatedOrMissingEvent()
    {
        await using var server = await SampleServer.StartAsync(controlled: true);
        server.Control!.HoldBefore(3);
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        var id = await page.StartAsync();
        await page.WaitForStageAsync("phase_3_started");
        await Expect(page.SavedCount).ToHaveTextAsync("9");
        var lastBeforeDrop = (await page.EventsAsync())[^1].Id;

        // The network goes away; the run goes on to its end while the page cannot hear it.
        server.Dropper.GoOffline();
        await Expect(page.Connection).ToHaveTextAsync("Connection lost: resuming where it left off…");
        server.Control.Release(3);
        await server.WaitForTerminalEventAsync(id);
        server.Dropper.GoOnline();

        await page.ExpectCompletedAsync();
        var events = await page.EventsAsync();
        events.Select(e => e.Id).Should().Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), "every event arrives once, in order");
        events[^1].Status.Should().Be("completed");
        foreach (var phase in Enumerable.Range(1, 5))
        {
            events.Should().ContainSingle(e => e.Stage == $"phase_{phase}_complete");
        }

        server.Dropper.Requests.Should().Contain(r => r.Dropped, "the first stream was cut");
        var resumed = server.Dropper.Requests.Where(r => !r.Dropped && r.LastEventId != string.Empty).Should().ContainSingle().Subject;
        resumed.LastEventId.Should().Be(lastBeforeDrop.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(page.SavedCount).ToHaveTextAsync("23");
    }

    [Fact]
    public async Task Reload_AfterCompletion_ShowsTheFinalStateAndTheStreamAnswers204()
    {
        await using var server = await SampleServer.StartAsync();
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        var id = await page.StartAsync();
        await page.ExpectCompletedAsync();

        await page.Page.ReloadAsync();

        await Expect(page.GenerationId).ToHaveTextAsync(id);
        await page.ExpectCompletedAsync();
        await Expect(page.Message).ToHaveTextAsync("Generation completed successfully with 23 files");
        await Expect(page.SavedCount).ToHaveTextAsync("23");
        await Expect(page.Elapsed()).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^took \d+ s$"));
        (await page.PhaseStatesAsync()).Should().HaveCount(5).And.OnlyContain(s => s.EndsWith(": done", StringComparison.Ordinal));
        await Expect(page.Page.Locator("#iterate-card")).ToBeVisibleAsync();
        server.Dropper.Requests.Should().HaveCount(2).And.Contain(r => r.StatusCode == 204);
        (await page.EventsAsync()).Should().BeEmpty("the page resumed after the terminal event, so nothing was replayed");
    }

    [Fact]
    public async Task Reload_MidRun_ResumesAfterTheLastEventShown()
    {
        await using var server = await SampleServer.StartAsync(controlled: true);
        server.Control!.HoldBefore(3);
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        var id = await page.StartAsync();
        await page.WaitForStageAsync("phase_3_started");
        var lastBeforeReload = (await page.EventsAsync())[^1].Id;

        await page.Page.ReloadAsync();
        await Expect(page.Phase).ToHaveTextAsync("Phase 3/5 — Task Entity");
        await Expect(page.SavedCount).ToHaveTextAsync("9");
        (await page.PhaseStatesAsync()).Should().Equal(
            "Core Infrastructure: done", "User Entity: done", "Task Entity: current", "Support Files: pending", "Main Application: pending");
        server.Control.Release(3);

        await page.ExpectCompletedAsync();
        var events = await page.EventsAsync();
        events[0].Id.Should().Be(lastBeforeReload + 1);
        events.Select(e => e.Id).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        events[^1].Id.Should().Be(lastBeforeReload + events.Count);
        await Expect(page.GenerationId).ToHaveTextAsync(id);
    }

    [Fact]
    public async Task ServerRestart_MidRun_ThePageReconnectsAndSaysTheRunResumedFromItsSavedPhases()
    {
        // The test owns the data folder, so the first host can be disposed (releasing its store) and the second reopen it.
        var data = Directory.CreateTempSubdirectory("iteration-sample-restart-");
        try
        {
            var first = await SampleServer.StartAsync(controlled: true, dataFolder: data.FullName);
            first.Control!.HoldBefore(3);
            var page = new SamplePage(await browser.NewPageAsync());
            await page.OpenAsync(first.BaseAddress);
            var id = await page.StartAsync();
            await page.WaitForStageAsync("phase_3_started");

            await first.StopAsync();
            await Expect(page.Connection).ToHaveTextAsync("Connection lost: resuming where it left off…");
            await first.DisposeAsync();
            await using var second = await SampleServer.StartAsync(port: first.Port, dataFolder: data.FullName);

            await page.ExpectCompletedAsync();
            await Expect(page.GenerationId).ToHaveTextAsync(id);
            await Expect(page.Resumed()).ToHaveTextAsync(
                "Resumed after a restart: phases 1–2 kept (9 files), continuing with phase 3");
            var stages = await page.StagesAsync();
            stages.Count(s => s == "phase_1_complete").Should().Be(1, "phase 1 was not generated again after the restart");
            stages.SkipWhile(s => s != "resumed").Should().NotContain(s => s.StartsWith("phase_1_", StringComparison.Ordinal) || s.StartsWith("phase_2_", StringComparison.Ordinal));
            var ids = (await page.EventsAsync()).Select(e => e.Id).ToList();
            ids.Should().Equal(Enumerable.Range(1, ids.Count).Select(i => (long)i), "the resumed run continues the same event log");
            first.Dropper.Requests.Should().OnlyContain(r => !r.Dropped, "the stopping host ended its streams itself");
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }
}
