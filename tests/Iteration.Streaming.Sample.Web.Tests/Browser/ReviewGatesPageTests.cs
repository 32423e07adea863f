using System.Text.Json;
using System.Text.RegularExpressions;
using Iteration.Streaming.Sample.Web.Demo;
using Iteration.Streaming.Sample.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Iteration.Streaming.Sample.Web.Tests.Browser;

/// <summary>
/// Review gates in the page: the start form's choices, the plan card (rename, reorder, remove, add; approve), the phase
/// card (preview, edit in place, lock, instruct; approve or cancel), the instruction box while a phase runs, each
/// input's result and refusal, and the state after a reload; axe-core clean and no overflow at 390 px with the cards open.
/// </summary>
[Collection(SecondBrowserCollection.Name)]
public sealed class ReviewGatesPageTests(BrowserFixture browser)
{
    private const string EditedPath = "appsettings.json";
    private const string LockedPath = "src/Infrastructure/Entity.cs";
    private const string EditedText = "{\n  \"Edited\": \"by the user\"\n}\n";

    [Fact]
    public async Task ReviewedRun_RevisePlanThenEditLockAndInstructAtThePhaseGate_CompletesWithTheUsersEditAndTheLockedFileIntact()
    {
        await using var server = await StartRewritingLockedPathAsync();
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        await page.StartReviewedAsync(plan: true, stop: "first");
        await Expect(page.PlanCard()).ToBeVisibleAsync();
        await Expect(page.PlanRows()).ToHaveCountAsync(5);

        // The plan gate: rename "Task Entity", remove "Support Files", approve.
        await page.PlanRow(2).Locator("input").FillAsync("Task Records");
        await page.PlanRow(3).Locator("button[data-do='remove']").ClickAsync();
        await Expect(page.GateApprove()).ToHaveTextAsync("Approve the revised plan");
        await page.GateApprove().ClickAsync();

        // The phase gate after phase 1: edit one file, lock another, instruct, approve.
        await Expect(page.PhaseCard()).ToBeVisibleAsync();
        await Expect(page.GateTitle()).ToHaveTextAsync("Review phase 1: Core Infrastructure");
        (await page.PhaseStatesAsync()).Should().Equal(
            "Core Infrastructure: done", "User Entity: pending", "Task Records: pending", "Main Application: pending");
        await page.GateFile(EditedPath).Locator("button[data-do='edit']").ClickAsync();
        await Expect(page.EditorText()).ToBeEnabledAsync();
        await page.EditorText().FillAsync(EditedText);
        await page.EditorSave().ClickAsync();
        await Expect(page.SavedFile(EditedPath)).ToContainTextAsync("edited by you");
        await Expect(page.InputResult()).ToContainTextAsync("edited");
        await page.GateFile(LockedPath).Locator("input.lock").CheckAsync();
        await Expect(page.SavedFile(LockedPath)).ToContainTextAsync("locked");
        await Expect(page.InputResult()).ToContainTextAsync("locked");
        await page.Instruction().FillAsync("Use PostgreSQL, not SQLite");
        await page.InstructSend().ClickAsync();
        await Expect(page.InputResult()).ToContainTextAsync("Instruction queued for phase 2");
        var lockedBefore = await page.FileTextAsync(server.BaseAddress, LockedPath);
        await page.GateApprove().ClickAsync();
        await page.ExpectCompletedAsync();

        (await page.FileTextAsync(server.BaseAddress, EditedPath)).Should().Be(EditedText);
        (await page.FileTextAsync(server.BaseAddress, LockedPath)).Should().Be(lockedBefore, "later phases tried to rewrite it and were refused");
        lockedBefore.Should().NotBe(RewritingDemoGenerator.Rewrite(2));
        var files = await page.FileListAsync(server.BaseAddress);
        Entry(files, EditedPath).GetProperty("written_by").GetString().Should().Be("user");
        Entry(files, LockedPath).GetProperty("locked").GetBoolean().Should().BeTrue();
        (await page.EventsOfAsync("validation"))
            .Where(e => e.TryGetProperty("warning_type", out var type) && type.GetString() == "locked_path")
            .Should().NotBeEmpty().And.OnlyContain(e => e.GetProperty("message").GetString()!.Contains(LockedPath));
        (await page.EventsOfAsync("input_received")).Should().HaveCount(5, "one per input: the plan, the edit, the lock, the instruction, the approval");
        (await page.PhaseStatesAsync()).Should().Equal(
            "Core Infrastructure: done", "User Entity: done", "Task Records: done", "Main Application: done");
        await Expect(page.Gate()).ToBeHiddenAsync();
    }

    [Fact]
    public async Task StartForm_NoReviewChosen_SendsNoReviewAndNeverShowsAGate()
    {
        await using var server = await SampleServer.StartAsync();
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);

        var request = await page.Page.RunAndWaitForRequestAsync(() => page.StartAsync(), IsStart);
        await page.ExpectCompletedAsync();

        JsonDocument.Parse(request.PostData!).RootElement.TryGetProperty("review", out _).Should().BeFalse("a run without review sends today's request");
        (await page.StagesAsync()).Should().NotContain(s => s == "awaiting_input" || s == "input_received");
        await Expect(page.Gate()).ToBeHiddenAsync();
    }

    [Fact]
    public async Task StartForm_StopAfterEachPhase_SendsAfterPhasesAllAndTheGateCancelEndsTheRun()
    {
        await using var server = await SampleServer.StartAsync();
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);

        var request = await page.Page.RunAndWaitForRequestAsync(() => page.StartReviewedAsync(plan: false, stop: "all"), IsStart);
        await Expect(page.GateTitle()).ToHaveTextAsync("Review phase 1: Core Infrastructure");
        await page.GateCancel().ClickAsync();

        var review = JsonDocument.Parse(request.PostData!).RootElement.GetProperty("review");
        review.GetProperty("after_phases").GetString().Should().Be("all");
        review.TryGetProperty("plan", out _).Should().BeFalse();
        await Expect(page.Status).ToHaveTextAsync("cancelled");
        await Expect(page.Gate()).ToBeHiddenAsync();
    }

    [Fact]
    public async Task PlanCard_ReorderAndAddThenApprove_RunsThePlanInTheNewOrder()
    {
        await using var server = await SampleServer.StartAsync();
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        await page.StartReviewedAsync(plan: true, stop: "none");
        await Expect(page.PlanRows()).ToHaveCountAsync(5);

        await page.PlanRow(2).Locator("button[data-do='up']").ClickAsync();
        await page.Page.Locator("#plan-add").ClickAsync();
        await page.Page.Keyboard.TypeAsync("Documentation");
        await page.GateApprove().ClickAsync();
        await page.ExpectCompletedAsync();

        (await page.PhaseStatesAsync()).Should().Equal(
            "Core Infrastructure: done", "Task Entity: done", "User Entity: done", "Support Files: done", "Main Application: done", "Documentation: done");
    }

    [Fact]
    public async Task PlanCard_DuplicateNames_ShowsTheServersRefusalAndKeepsWaiting()
    {
        await using var server = await SampleServer.StartAsync();
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        await page.StartReviewedAsync(plan: true, stop: "none");
        await Expect(page.PlanRows()).ToHaveCountAsync(5);

        await page.PlanRow(1).Locator("input").FillAsync("Core Infrastructure");
        var answer = await page.Page.RunAndWaitForResponseAsync(() => page.GateApprove().ClickAsync(), r => r.Url.EndsWith("/input", StringComparison.Ordinal));

        answer.Status.Should().Be(400);
        var problem = JsonDocument.Parse(await answer.TextAsync()).RootElement;
        await Expect(page.InputError()).ToBeVisibleAsync();
        await Expect(page.InputError()).ToContainTextAsync("Approve refused:");
        // The server's own words: its detail, or (a validation problem without one) the first error it names.
        var said = problem.TryGetProperty("detail", out var detail)
            ? detail.GetString()!
            : problem.GetProperty("errors").EnumerateObject().First().Value[0].GetString()!;
        await Expect(page.InputError()).ToContainTextAsync(said);
        await Expect(page.Status).ToHaveTextAsync("awaiting input");
        await Expect(page.PlanCard()).ToBeVisibleAsync();
    }

    [Fact]
    public async Task PlanCard_EmptyName_IsNotSentAndSaysWhichPhase()
    {
        await using var server = await SampleServer.StartAsync();
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        await page.StartReviewedAsync(plan: true, stop: "none");
        await Expect(page.PlanRows()).ToHaveCountAsync(5);
        var inputs = 0;
        page.Page.Request += (_, request) => inputs += request.Url.EndsWith("/input", StringComparison.Ordinal) ? 1 : 0;

        await page.PlanRow(1).Locator("input").FillAsync("  ");
        await page.GateApprove().ClickAsync();

        await Expect(page.InputError()).ToHaveTextAsync("Phase 2 needs a name.");
        await Expect(page.PlanRow(1).Locator("input")).ToBeFocusedAsync();
        inputs.Should().Be(0);
    }

    [Fact]
    public async Task PhaseGate_Reload_ShowsThePhaseCardAgainFromTheSnapshot()
    {
        await using var server = await SampleServer.StartAsync();
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        await page.StartReviewedAsync(plan: false, stop: "first");
        await Expect(page.PhaseCard()).ToBeVisibleAsync();

        await page.Page.ReloadAsync();

        await Expect(page.PhaseCard()).ToBeVisibleAsync();
        await Expect(page.GateTitle()).ToHaveTextAsync("Review phase 1: Core Infrastructure");
        await Expect(page.GateFile(EditedPath)).ToBeVisibleAsync();
        await Expect(page.Status).ToHaveTextAsync("awaiting input");
        await page.GateApprove().ClickAsync();
        await page.ExpectCompletedAsync();
    }

    [Fact]
    public async Task PhaseCard_Preview_ShowsTheFileInThePagesPreview()
    {
        await using var server = await SampleServer.StartAsync();
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        await page.StartReviewedAsync(plan: false, stop: "first");

        await page.GateFile(LockedPath).Locator("button[data-do='preview']").ClickAsync();

        await Expect(page.PreviewTitle()).ToHaveTextAsync(LockedPath);
        await Expect(page.PreviewText()).ToContainTextAsync("abstract record Entity");
        await Expect(page.PreviewLines()).Not.ToBeEmptyAsync();
    }

    [Fact]
    public async Task InstructionBox_WhileAPhaseRuns_SendsTheInstructionAndShowsItsResult()
    {
        await using var server = await SampleServer.StartAsync(controlled: true);
        server.Control!.HoldBefore(2);
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        await page.StartReviewedAsync(plan: true, stop: "none");
        await page.GateApprove().ClickAsync();
        await page.WaitForStageAsync("phase_2_started");
        await Expect(page.GateTitle()).ToHaveTextAsync("Steer the run");

        await page.Instruction().FillAsync("Use PostgreSQL, not SQLite");
        var answer = await page.Page.RunAndWaitForResponseAsync(() => page.InstructSend().ClickAsync(), r => r.Url.EndsWith("/input", StringComparison.Ordinal));

        answer.Status.Should().Be(202);
        await Expect(page.InputResult()).ToContainTextAsync("Instruction queued for phase 3");
        await Expect(page.Instruction()).ToBeEmptyAsync();
        server.Control.Release(2);
        await page.ExpectCompletedAsync();
        await Expect(page.Gate()).ToBeHiddenAsync();
    }

    [Theory]
    [InlineData(ColorScheme.Light)]
    [InlineData(ColorScheme.Dark)]
    public async Task Cards_PlanPhaseEditorAndRefusalAt390Px_HaveNoSeriousAxeViolationAndNoOverflow(ColorScheme scheme)
    {
        await using var server = await SampleServer.StartAsync();
        var page = await browser.NewSamplePageAsync(390, 844, scheme, bypassCsp: true);
        await page.OpenAsync(server.BaseAddress);
        var found = new List<string>();
        await page.StartReviewedAsync(plan: true, stop: "first");
        await Expect(page.PlanRows()).ToHaveCountAsync(5);
        await page.PlanRow(4).Locator("input").FillAsync("Main Application with a long name that has to wrap on a phone");
        found.AddRange(await CheckAsync(page, "plan card"));

        await page.GateApprove().ClickAsync();
        await Expect(page.PhaseCard()).ToBeVisibleAsync();
        await page.GateFile(EditedPath).Locator("button[data-do='edit']").ClickAsync();
        await Expect(page.EditorText()).ToBeEnabledAsync();
        await page.InstructSend().ClickAsync();
        await Expect(page.InputError()).ToHaveTextAsync("Write an instruction first.");
        found.AddRange(await CheckAsync(page, "phase card with the editor and a refusal"));

        await page.EditorSave().ClickAsync();
        await page.GateFile(LockedPath).Locator("input.lock").CheckAsync();
        await Expect(page.SavedFile(LockedPath)).ToContainTextAsync("locked");
        found.AddRange(await CheckAsync(page, "phase card with an edited and a locked file"));

        found.Distinct().Should().BeEmpty();
    }

    private static async Task<IReadOnlyList<string>> CheckAsync(SamplePage page, string state)
    {
        var overflow = await page.HorizontalOverflowAsync();
        overflow.Should().Be(0, $"nothing may be wider than the viewport ({state}), but these are: {string.Join(", ", await page.OverflowingElementsAsync())}");
        return [.. (await Axe.SeriousViolationsAsync(page.Page)).Select(v => $"{state}: {v}")];
    }

    private static bool IsStart(IRequest request) =>
        request.Method == "POST" && new Uri(request.Url).AbsolutePath == "/generations";

    private static JsonElement Entry(JsonElement files, string path) =>
        files.EnumerateArray().Single(f => f.GetProperty("path").GetString() == path);

    /// <summary>The sample, with its demo generator rewriting <see cref="LockedPath"/> in every phase after the first.</summary>
    private static Task<SampleServer> StartRewritingLockedPathAsync() => SampleServer.StartAsync(configure: builder =>
        builder.Services.AddIterationStreaming().AddPhaseGenerator(sp => new RewritingDemoGenerator(
            new DemoGenerator(sp.GetRequiredService<IOptionsMonitor<DemoOptions>>(), sp.GetRequiredService<TimeProvider>()), LockedPath)));
}
