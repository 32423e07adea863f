using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Iteration.Streaming.Sample.Web.Tests.Infrastructure;

/// <summary>The page's Changes view, its diff, Revert and Fork, and the API reads their tests compare with.</summary>
public static class ChangesPageExtensions
{
    public static ILocator Changes(this SamplePage page) => page.Page.Locator("#changes");

    public static ILocator ChangesAgainst(this SamplePage page) => page.Page.Locator("#changes-against");

    public static ILocator ChangesSummary(this SamplePage page) => page.Page.Locator("#changes-summary");

    public static ILocator ChangesNote(this SamplePage page) => page.Page.Locator("#changes-note");

    /// <summary>The buttons of the changed files.</summary>
    public static ILocator ChangedFiles(this SamplePage page) => page.Page.Locator("#changes-files button.change-file");

    public static ILocator ChangedFile(this SamplePage page, string path) => page.Page.Locator($"#changes-files button[data-path='{path}']");

    public static ILocator DiffTitle(this SamplePage page) => page.Page.Locator("#diff-title");

    public static ILocator DiffBody(this SamplePage page) => page.Page.Locator("#diff-body");

    public static ILocator DiffNote(this SamplePage page) => page.Page.Locator("#diff-note");

    public static ILocator Revert(this SamplePage page) => page.Page.Locator("#diff-revert");

    /// <summary>"Fork from here" on the timeline row of <paramref name="phase"/>.</summary>
    public static ILocator ForkFrom(this SamplePage page, int phase) => page.Page.Locator($"#phases button[data-fork='{phase}']");

    /// <summary>Iterates on the generation shown with <paramref name="prompt"/>; returns the iteration's id once it completed.</summary>
    public static async Task<string> IterateAsync(this SamplePage page, string prompt = "Add user authentication")
    {
        var parent = await page.GenerationId.TextContentAsync() ?? string.Empty;
        await page.Page.Locator("#modification").FillAsync(prompt);
        await page.Page.Locator("#iterate").ClickAsync();
        var iteration = await page.NewGenerationIdAsync(parent);
        await page.ExpectCompletedAsync();
        return iteration;
    }

    /// <summary>Chooses what to compare with (an option's value: a generation id or <c>phase:{k}</c>) and shows the changes.</summary>
    public static async Task ShowChangesAsync(this SamplePage page, string? against = null)
    {
        await Expect(page.Changes()).ToBeVisibleAsync();
        if (against is not null)
        {
            await page.ChangesAgainst().SelectOptionAsync(against);
        }

        await page.Page.Locator("#changes-show").ClickAsync();
        await Expect(page.ChangesSummary()).Not.ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^(Loading.*)?$"));
    }

    /// <summary>Each listed changed file as "path: mark text" (the mark as the page writes it, sign and word).</summary>
    public static async Task<IReadOnlyList<string>> ChangedFileMarksAsync(this SamplePage page) =>
        await page.Page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('#changes-files button.change-file')]
              .map(b => `${b.dataset.path}: ${b.querySelector('.change-mark').textContent}`)
            """);

    /// <summary>GET /generations/{id}/diff?against=… with the page's sign-in cookie: the server's own answer.</summary>
    public static async Task<JsonElement> DiffFromServerAsync(this SamplePage page, Uri baseAddress, string generationId, string against)
    {
        var response = await page.Page.APIRequest.GetAsync(new Uri(baseAddress, $"/generations/{generationId}/diff?against={Uri.EscapeDataString(against)}").ToString());
        response.Status.Should().Be(200, await response.TextAsync());
        return (await response.JsonAsync())!.Value;
    }

    /// <summary>One saved file's text, read by ownership with the page's cookie.</summary>
    public static async Task<string> FileTextAsync(this SamplePage page, Uri baseAddress, string generationId, string path)
    {
        var response = await page.Page.APIRequest.GetAsync(new Uri(baseAddress, $"/generations/{generationId}/files/{path}").ToString());
        response.Status.Should().Be(200, $"{path} of {generationId} is readable");
        return await response.TextAsync();
    }
}
