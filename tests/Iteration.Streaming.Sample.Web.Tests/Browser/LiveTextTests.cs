using System.Text.Json;
using Iteration.Streaming.Sample.Web.Demo;
using Iteration.Streaming.Sample.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Iteration.Streaming.Sample.Web.Tests.Browser;

/// <summary>
/// The file being written, with its exact text so far: growing live from the <c>partial_output</c> deltas, and after a
/// reload mid-file the same text (from <c>GET /generations/{id}/live</c>, then the deltas after it), going on to the saved
/// file. The demo generator writes each file in four live pieces; the test holds it after a given piece.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class LiveTextTests(BrowserFixture browser)
{
    [Fact]
    public async Task Reload_MidFile_ShowsExactlyTheTextSoFarThenGrowsToTheSavedFile()
    {
        var holds = new LiveHolds();
        var midFile = holds.After(phase: 3, report: 6);
        var nextFile = holds.After(phase: 3, report: 9);
        await using var server = await StartAsync(holds);
        var page = new SamplePage(await browser.NewPageAsync());
        var liveRequests = 0;
        page.Page.Request += (_, request) =>
        {
            if (request.Url.EndsWith("/live", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref liveRequests);
            }
        };
        await page.OpenAsync(server.BaseAddress);
        var id = await page.StartAsync();
        await midFile.Reached.WithPatience();

        // The watcher connected from the start has exactly what the server holds.
        var live = await LiveAsync(page, id);
        var path = live.GetProperty("current_file").GetString()!;
        var soFar = TextOf(live, path);
        soFar.Length.Should().BeGreaterThan(0);
        await Expect(page.Page.Locator("#live-title")).ToHaveTextAsync(path);
        (await LiveTextAsync(page, soFar)).Should().Be(soFar);
        liveRequests.Should().Be(0, "a watcher from the start rebuilds the text from the deltas alone");

        await page.Page.ReloadAsync();

        (await LiveTextAsync(page, soFar)).Should().Be(soFar, "a reload mid-file shows the exact text so far");
        await Expect(page.Page.Locator("#live-title")).ToHaveTextAsync(path);
        await Expect(page.Page.Locator("#live-lines")).ToHaveTextAsync(string.Join("\n", soFar.Split('\n').Select((_, i) => i + 1)));
        liveRequests.Should().Be(1, "the reloaded page read /live once");

        midFile.Release();
        await nextFile.Reached.WithPatience();
        var finished = await page.Page.WaitForFunctionAsync(
            "p => window.__live?.currentFile !== p && window.__live?.files[p]?.complete ? window.__live.files[p].text : null", path);
        var whole = await finished.JsonValueAsync<string>();
        nextFile.Release();
        await page.ExpectCompletedAsync();

        var saved = await page.Page.EvaluateAsync<string>("async ([id, p]) => (await fetch(`/generations/${id}/files/${p}`)).text()", new[] { id, path });
        whole.Should().Be(saved, "the text grew on after the reload to exactly the saved file");
        saved.Should().StartWith(soFar);
        await Expect(page.Page.Locator("#live")).ToBeHiddenAsync();
    }

    [Theory]
    [InlineData(390, 844)]
    [InlineData(1280, 900)]
    public async Task Axe_FileBeingWrittenInTheDarkScheme_HasNoSeriousViolationAndTheTextIsReachableByKeyboard(int width, int height)
    {
        var holds = new LiveHolds();
        var hold = holds.After(phase: 1, report: 3);
        await using var server = await StartAsync(holds);
        var page = await browser.NewSamplePageAsync(width, height, ColorScheme.Dark, bypassCsp: true);
        await page.OpenAsync(server.BaseAddress);
        await page.StartAsync();
        await hold.Reached.WithPatience();
        await Expect(page.Page.Locator("#live-text")).Not.ToBeEmptyAsync();

        var violations = await Axe.SeriousViolationsAsync(page.Page);
        var overflow = await page.HorizontalOverflowAsync();
        var reached = await TabToAsync(page, "live-code");
        hold.Release();

        violations.Should().BeEmpty();
        overflow.Should().Be(0);
        reached.Should().BeTrue("the text being written scrolls in its own box, which the keyboard reaches");
        await page.ExpectCompletedAsync();
    }

    private static Task<SampleServer> StartAsync(LiveHolds holds) =>
        SampleServer.StartAsync(configure: builder => builder.Services.AddIterationStreaming().AddPhaseGenerator(sp => new HoldingLiveDemoGenerator(
            new DemoGenerator(sp.GetRequiredService<IOptionsMonitor<DemoOptions>>(), sp.GetRequiredService<TimeProvider>()), holds)));

    private static async Task<JsonElement> LiveAsync(SamplePage page, string id) =>
        // The test's own request carries a query, so the count of the page's requests (ending in /live) leaves it out.
        await page.Page.EvaluateAsync<JsonElement>("async id => (await fetch(`/generations/${id}/live?by=test`)).json()", id);

    private static string TextOf(JsonElement live, string path) =>
        live.GetProperty("files").EnumerateArray().Single(f => f.GetProperty("path").GetString() == path).GetProperty("text").GetString()!;

    /// <summary>Waits until the live view shows <paramref name="expected"/>; returns what it shows (for the assertion's message).</summary>
    private static async Task<string> LiveTextAsync(SamplePage page, string expected)
    {
        try
        {
            await page.Page.WaitForFunctionAsync("t => document.getElementById('live-text')?.textContent === t", expected);
        }
        catch (TimeoutException)
        {
        }

        return await page.Page.Locator("#live-text").TextContentAsync() ?? string.Empty;
    }

    private static async Task<bool> TabToAsync(SamplePage page, string id)
    {
        await page.Page.Locator(".skip-link").FocusAsync();
        for (var i = 0; i < 60; i++)
        {
            await page.Page.Keyboard.PressAsync("Tab");
            if (await page.Page.EvaluateAsync<string>("() => document.activeElement?.id ?? ''") == id)
            {
                return true;
            }
        }

        return false;
    }
}
