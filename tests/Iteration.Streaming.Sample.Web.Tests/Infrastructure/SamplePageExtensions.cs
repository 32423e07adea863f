using System.Text.Json;
using Microsoft.Playwright;

namespace Iteration.Streaming.Sample.Web.Tests.Infrastructure;

/// <summary>The parts of the page added with the phase timeline, the preview and the history.</summary>
public static class SamplePageExtensions
{
    public const string CurrentKey = "iteration-streaming-sample.current";

    public static ILocator Phases(this SamplePage page) => page.Page.Locator("#phases li");

    public static ILocator Elapsed(this SamplePage page) => page.Page.Locator("#elapsed");

    public static ILocator ProgressBar(this SamplePage page) => page.Page.Locator("#progress-bar");

    public static ILocator Announcer(this SamplePage page) => page.Page.Locator("#announcer");

    public static ILocator Resumed(this SamplePage page) => page.Page.Locator("#resumed");

    public static ILocator Lineage(this SamplePage page) => page.Page.Locator("#parent");

    public static ILocator AccessNote(this SamplePage page) => page.Page.Locator("#access-note");

    public static ILocator Preview(this SamplePage page) => page.Page.Locator("#preview");

    public static ILocator PreviewTitle(this SamplePage page) => page.Page.Locator("#preview-title");

    public static ILocator PreviewText(this SamplePage page) => page.Page.Locator("#preview-text");

    public static ILocator PreviewLines(this SamplePage page) => page.Page.Locator("#preview-lines");

    public static ILocator PreviewNote(this SamplePage page) => page.Page.Locator("#preview-note");

    public static ILocator PreviewDownload(this SamplePage page) => page.Page.Locator("#preview-download");

    /// <summary>The rows of "Your generations".</summary>
    public static ILocator Generations(this SamplePage page) => page.Page.Locator("#generations li");

    public static ILocator Spend(this SamplePage page) => page.Page.Locator("#spend");

    public static ILocator File(this SamplePage page, string path) => page.Page.Locator($"#files a[data-path='{path}']");

    /// <summary>Each phase of the timeline as "name: state".</summary>
    public static async Task<IReadOnlyList<string>> PhaseStatesAsync(this SamplePage page) =>
        await page.Page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('#phases li')].map(li => `${li.querySelector('.name').textContent}: ${li.dataset.state}`)");

    /// <summary>The stages of the events the page received, in order.</summary>
    public static async Task<IReadOnlyList<string>> StagesAsync(this SamplePage page) =>
        await page.Page.EvaluateAsync<string[]>("() => window.__events.map(e => e.stage)");

    /// <summary>A field of the generation this tab shows, as the page keeps it in session storage (no token is kept).</summary>
    public static async Task<string> CurrentAsync(this SamplePage page, string field) =>
        await page.Page.EvaluateAsync<string>("([key, field]) => JSON.parse(sessionStorage.getItem(key))[field]", new[] { CurrentKey, field });

    /// <summary>Everything the page keeps in localStorage and sessionStorage, as "key=value" lines.</summary>
    public static async Task<IReadOnlyList<string>> StorageAsync(this SamplePage page) =>
        await page.Page.EvaluateAsync<string[]>("""
            () => [localStorage, sessionStorage].flatMap(s => Object.keys(s).map(k => `${k}=${s.getItem(k)}`))
            """);

    /// <summary>The sign-in cookie of the page's context, as a <c>Cookie</c> header value for an HTTP client.</summary>
    public static async Task<string> CookieHeaderAsync(this SamplePage page) =>
        string.Join("; ", (await page.Page.Context.CookiesAsync()).Select(c => $"{c.Name}={c.Value}"));

    /// <summary>
    /// Runs <paramref name="action"/> (a click that starts, iterates or retries) and returns the 202 body it got: the
    /// tokens the server issued, which the page must not keep.
    /// </summary>
    public static async Task<JsonElement> StartedByAsync(this SamplePage page, Func<Task> action)
    {
        var response = await page.Page.RunAndWaitForResponseAsync(action, r => r.Request.Method == "POST" && r.Status == 202);
        return await response.JsonAsync() ?? throw new InvalidOperationException("The 202 answer had no body.");
    }

    /// <summary>How far the page scrolls sideways: 0 when nothing overflows the viewport.</summary>
    public static async Task<int> HorizontalOverflowAsync(this SamplePage page) =>
        await page.Page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");

    /// <summary>The elements wider than the viewport (their id or tag), for a readable failure.</summary>
    public static async Task<IReadOnlyList<string>> OverflowingElementsAsync(this SamplePage page) =>
        await page.Page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('body *')]
              .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5 && e.offsetParent !== null
                && !e.closest('.code-view, .diff-view'))
              .map(e => e.id ? `#${e.id}` : `${e.tagName.toLowerCase()}.${e.className}`)
            """);

    /// <summary>A new page at <paramref name="width"/> × <paramref name="height"/> in its own context.</summary>
    /// <param name="bypassCsp">
    /// Let the test inject scripts the page's Content-Security-Policy would block (axe-core is added as an inline script).
    /// </param>
    public static async Task<SamplePage> NewSamplePageAsync(
        this BrowserFixture browser, int width, int height, ColorScheme scheme = ColorScheme.Light, bool bypassCsp = false)
    {
        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            ColorScheme = scheme,
            BypassCSP = bypassCsp,
        });
        context.SetDefaultTimeout(20_000);
        return new SamplePage(await context.NewPageAsync());
    }

    /// <summary>Reads a JSON value of the page (for assertions that need more than text).</summary>
    public static async Task<JsonElement> JsonAsync(this SamplePage page, string expression) =>
        await page.Page.EvaluateAsync<JsonElement>(expression);
}
