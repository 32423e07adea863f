using System.Text.Json;
using Iteration.Streaming.Sample.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Iteration.Streaming.Sample.Web.Tests.Browser;

/// <summary>
/// The Changes view (GET /generations/{id}/diff), "Revert this file" (POST /revert) and "Fork from here" (POST /fork)
/// on the real sample, and a retry or fork listing its kept files from its first events.
/// </summary>
[Collection(SecondBrowserCollection.Name)]
public sealed class ChangesViewTests(BrowserFixture browser)
{
    private const string ChangedLine = "// Changed by iteration: Add user authentication";

    [Fact]
    public async Task ChangesView_OfAnIteration_ListsWhatTheServerSaysChangedWithMarksAndAHighlightedDiff()
    {
        await using var server = await SampleServer.StartAsync();
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        var parent = await page.StartAsync();
        await page.ExpectCompletedAsync();
        var iteration = await page.IterateAsync();
        await Expect(page.ChangesAgainst()).ToHaveValueAsync(parent);

        var request = await page.Page.RunAndWaitForRequestAsync(() => page.ShowChangesAsync(), r => r.Url.Contains("/diff?", StringComparison.Ordinal));

        request.Url.Should().EndWith($"/generations/{iteration}/diff?against={parent}");
        var files = (await page.DiffFromServerAsync(server.BaseAddress, iteration, parent)).GetProperty("files").EnumerateArray()
            .Where(f => f.GetProperty("change").GetString() != "unchanged").ToList();
        (await page.ChangedFileMarksAsync()).Should().Equal(files.Select(f => $"{Path(f)}: {Mark(f.GetProperty("change").GetString()!)}"));
        (await page.ChangedFileMarksAsync()).Should().Contain("src/Iteration/UserChanges.cs: + added");
        var modified = Path(files.First(f => f.GetProperty("change").GetString() == "modified" && Path(f).EndsWith(".cs", StringComparison.Ordinal)));
        await Expect(page.ChangesSummary()).ToContainTextAsync($"Against its parent ({parent[..8]}): 5 added, ");

        await page.ChangedFile(modified).ClickAsync();

        await Expect(page.DiffTitle()).ToHaveTextAsync(modified);
        await Expect(page.DiffTitle()).ToBeFocusedAsync();
        await Expect(page.DiffNote()).ToContainTextAsync("modified · 1 line added, 0 deleted.");
        var added = page.DiffBody().Locator(".code.add");
        await Expect(added).ToHaveCountAsync(1);
        await Expect(added.Locator(".token.comment")).ToHaveTextAsync(ChangedLine);
        await Expect(page.DiffBody().Locator(".code.ctx .token.keyword").First).ToBeVisibleAsync();
    }

    [Fact]
    public async Task RevertThisFile_FollowsTheNewGenerationToCompletedWithThatFileAsInTheParent()
    {
        await using var server = await SampleServer.StartAsync();
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        var parent = await page.StartAsync();
        await page.ExpectCompletedAsync();
        var iteration = await page.IterateAsync();
        await page.ShowChangesAsync();
        var path = (await page.Page.Locator("#changes-files button[data-change='modified']").First.GetAttributeAsync("data-path"))!;
        await page.ChangedFile(path).ClickAsync();

        var started = await page.StartedByAsync(() => page.Revert().ClickAsync());

        var revert = await page.NewGenerationIdAsync(iteration);
        started.GetProperty("generation_id").GetString().Should().Be(revert);
        await page.ExpectCompletedAsync();
        await Expect(page.Lineage()).ToHaveTextAsync($"Revert in {iteration}");
        (await page.FileTextAsync(server.BaseAddress, revert, path)).Should().Be(await page.FileTextAsync(server.BaseAddress, parent, path));
        (await page.FileTextAsync(server.BaseAddress, revert, "src/Iteration/UserChanges.cs"))
            .Should().Be(await page.FileTextAsync(server.BaseAddress, iteration, "src/Iteration/UserChanges.cs"), "only the reverted file changed");
        await page.ShowChangesAsync();
        (await page.ChangedFileMarksAsync()).Should().Equal($"{path}: ± modified");
    }

    [Fact]
    public async Task ForkFromPhaseTwo_GeneratesOnlyPhasesThreeOnwardAndListsTheKeptFilesFromItsFirstEvents()
    {
        await using var server = await SampleServer.StartAsync(controlled: true);
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        var source = await page.StartAsync();
        await page.ExpectCompletedAsync();
        server.Control!.HoldBefore(3);
        await page.ForkFrom(2).ClickAsync();
        await Expect(page.Page.Locator("#fork-title")).ToHaveTextAsync("Fork from phase 2 (User Entity)");
        await page.Page.Locator("#fork-prompt").FillAsync("Use records for the entities");

        var started = await page.StartedByAsync(() => page.Page.Locator("#fork-submit").ClickAsync());

        var fork = await page.NewGenerationIdAsync(source);
        started.GetProperty("forked_from").GetString().Should().Be(source);
        started.GetProperty("from_phase").GetInt32().Should().Be(2);
        await page.WaitForStageAsync("resumed");
        await Expect(page.SavedCount).ToHaveTextAsync("9");
        (await page.StagesAsync()).Should().NotContain(s => s.EndsWith("_complete", StringComparison.Ordinal), "the kept files were listed before any phase was saved");
        server.Control.Release(3);
        await page.ExpectCompletedAsync();
        var stages = await page.StagesAsync();
        stages.Should().NotContain(s => s.StartsWith("phase_1_", StringComparison.Ordinal) || s.StartsWith("phase_2_", StringComparison.Ordinal));
        stages.Should().ContainInOrder("resumed", "phase_3_started", "phase_3_complete", "phase_4_complete", "phase_5_complete");
        (await page.PhaseStatesAsync()).Should().Equal(
            "Core Infrastructure: kept", "User Entity: kept", "Task Entity: done", "Support Files: done", "Main Application: done");
        await Expect(page.Lineage()).ToHaveTextAsync($"Fork of {source} from phase 2");
        await Expect(page.ChangesAgainst()).ToHaveValueAsync("phase:2");
        fork.Should().NotBe(source);
    }

    [Fact]
    public async Task Retry_ListsTheKeptFilesFromItsResumedEventBeforeItsNextPhaseIsSaved()
    {
        await using var server = await SampleServer.StartAsync(controlled: true);
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        var failed = await page.StartAsync("A task tracker [fail:phase=3]");
        await page.ExpectStatusAsync("failed");
        server.Control!.HoldBefore(3);

        await page.ErrorAction.ClickAsync();

        await page.NewGenerationIdAsync(failed);
        await page.WaitForStageAsync("resumed");
        await Expect(page.SavedCount).ToHaveTextAsync("9");
        await Expect(page.Files).ToHaveCountAsync(9);
        (await page.StagesAsync()).Should().NotContain(s => s.EndsWith("_complete", StringComparison.Ordinal), "no phase of the retry was saved yet");
        server.Control.Release(3);
        await page.ExpectCompletedAsync();
    }

    [Theory]
    [InlineData(390, 844, ColorScheme.Light, "unified")]
    [InlineData(1280, 900, ColorScheme.Dark, "split")]
    public async Task ChangesView_WithADiffOpen_HasNoHorizontalOverflowAndNoSeriousAxeViolation(int width, int height, ColorScheme scheme, string layout)
    {
        await using var server = await SampleServer.StartAsync();
        // axe-core goes in as an inline script of the test's, which the page's CSP rightly refuses.
        var page = await browser.NewSamplePageAsync(width, height, scheme, bypassCsp: true);
        await page.OpenAsync(server.BaseAddress);
        await page.StartAsync();
        await page.ExpectCompletedAsync();
        await page.IterateAsync();
        await page.ShowChangesAsync();

        await page.Page.Locator("#changes-files button[data-change='modified']").First.ClickAsync();

        await Expect(page.DiffBody().Locator(".code.add")).Not.ToHaveCountAsync(0);
        await Expect(page.DiffBody()).ToHaveAttributeAsync("data-layout", layout);
        var overflow = await page.HorizontalOverflowAsync();
        overflow.Should().Be(0, $"nothing may be wider than the viewport, but these are: {string.Join(", ", await page.OverflowingElementsAsync())}");
        (await Axe.SeriousViolationsAsync(page.Page)).Should().BeEmpty();
        await page.Page.ScreenshotAsync(new PageScreenshotOptions
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "iteration-sample-screenshots", $"changes-{width}.png"),
            FullPage = true,
        });
    }

    [Fact]
    public async Task Keyboard_TabReachesTheChangedFilesEnterOpensTheDiffAndEscapeReturnsToTheFile()
    {
        await using var server = await SampleServer.StartAsync();
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        await page.StartAsync();
        await page.ExpectCompletedAsync();
        await page.IterateAsync();
        await page.ShowChangesAsync();
        await page.Page.Locator("#changes-show").FocusAsync();

        await page.Page.Keyboard.PressAsync("Tab");
        var path = await page.Page.EvaluateAsync<string>("() => document.activeElement.dataset.path");
        await page.Page.Keyboard.PressAsync("Enter");

        path.Should().NotBeNullOrEmpty("the first changed file follows Show changes in the tab order");
        await Expect(page.DiffTitle()).ToHaveTextAsync(path);
        await Expect(page.DiffTitle()).ToBeFocusedAsync();
        await page.Page.Keyboard.PressAsync("Escape");
        await Expect(page.Page.Locator("#diff")).ToBeHiddenAsync();
        await Expect(page.ChangedFile(path)).ToBeFocusedAsync();
    }

    private static string Path(JsonElement file) => file.GetProperty("path").GetString()!;

    private static string Mark(string change) => change switch
    {
        "added" => "+ added",
        "modified" => "± modified",
        "deleted" => "− deleted",
        _ => change,
    };
}
