using System.Text.Json;
using Microsoft.Playwright;

namespace Iteration.Streaming.Sample.Web.Tests.Infrastructure;

/// <summary>The review-gate parts of the page (review.js), and the files API a test reads the result through.</summary>
public static class ReviewGatesPageExtensions
{
    public static ILocator Gate(this SamplePage page) => page.Page.Locator("#gate");

    public static ILocator GateTitle(this SamplePage page) => page.Page.Locator("#gate-title");

    public static ILocator PlanCard(this SamplePage page) => page.Page.Locator("#plan-card");

    public static ILocator PlanRows(this SamplePage page) => page.Page.Locator("#plan-phases li");

    public static ILocator PlanRow(this SamplePage page, int index) => page.PlanRows().Nth(index);

    public static ILocator PhaseCard(this SamplePage page) => page.Page.Locator("#phase-card");

    public static ILocator GateFile(this SamplePage page, string path) => page.Page.Locator($"#gate-files li[data-path='{path}']");

    public static ILocator EditorText(this SamplePage page) => page.Page.Locator("#editor-text");

    public static ILocator EditorSave(this SamplePage page) => page.Page.Locator("#editor-save");

    public static ILocator Instruction(this SamplePage page) => page.Page.Locator("#instruction");

    public static ILocator InstructSend(this SamplePage page) => page.Page.Locator("#instruct-send");

    public static ILocator GateApprove(this SamplePage page) => page.Page.Locator("#gate-approve");

    public static ILocator GateCancel(this SamplePage page) => page.Page.Locator("#gate-cancel");

    public static ILocator InputResult(this SamplePage page) => page.Page.Locator("#input-result");

    public static ILocator InputError(this SamplePage page) => page.Page.Locator("#input-error");

    /// <summary>The entry of <paramref name="path"/> under "Saved files" (its link, its markers, its size).</summary>
    public static ILocator SavedFile(this SamplePage page, string path) =>
        page.Page.Locator("#files li").Filter(new LocatorFilterOptions { Has = page.Page.Locator($"a[data-path='{path}']") });

    /// <summary>Chooses the review gates in the start form, then starts; returns the new generation's id.</summary>
    /// <param name="plan">Tick "Review the plan first".</param>
    /// <param name="stop"><c>none</c>, <c>first</c> or <c>all</c>: the "Stop between phases" choice.</param>
    public static async Task<string> StartReviewedAsync(this SamplePage page, bool plan, string stop, string prompt = "A task tracker API with users and tasks")
    {
        await page.Page.Locator("#review-plan").SetCheckedAsync(plan);
        await page.Page.Locator($"#stop-{stop}").CheckAsync();
        return await page.StartAsync(prompt);
    }

    /// <summary>The events the page received of <paramref name="stage"/>, as JSON (every field the server sent).</summary>
    public static async Task<IReadOnlyList<JsonElement>> EventsOfAsync(this SamplePage page, string stage) =>
        (await page.JsonAsync($"() => window.__events.filter(e => e.stage === {JsonSerializer.Serialize(stage)})")).EnumerateArray().ToList();

    /// <summary>The saved-file list of the generation the page shows, read through the files API by ownership (the page's cookie).</summary>
    public static async Task<JsonElement> FileListAsync(this SamplePage page, Uri baseAddress)
    {
        using var client = await ClientAsync(page, baseAddress);
        var id = await page.CurrentAsync("id");
        using var document = JsonDocument.Parse(await client.GetStringAsync(new Uri($"generations/{id}/files", UriKind.Relative)));
        return document.RootElement.GetProperty("files").Clone();
    }

    /// <summary>One saved file's text, read through the files API by ownership.</summary>
    public static async Task<string> FileTextAsync(this SamplePage page, Uri baseAddress, string path)
    {
        using var client = await ClientAsync(page, baseAddress);
        var id = await page.CurrentAsync("id");
        return await client.GetStringAsync(new Uri($"generations/{id}/files/{path}", UriKind.Relative));
    }

    private static async Task<HttpClient> ClientAsync(SamplePage page, Uri baseAddress)
    {
        var client = new HttpClient { BaseAddress = baseAddress };
        // The page reads by ownership; so does this client, with the page's sign-in cookie.
        client.DefaultRequestHeaders.Add("Cookie", await page.CookieHeaderAsync());
        return client;
    }
}
