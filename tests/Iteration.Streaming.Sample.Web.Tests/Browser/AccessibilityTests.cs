using Iteration.Streaming.Sample.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Iteration.Streaming.Sample.Web.Tests.Browser;

/// <summary>axe-core finds no serious or critical violation on the page in its main states, in both colour schemes.</summary>
[Collection(BrowserCollection.Name)]
public sealed class AccessibilityTests(BrowserFixture browser)
{
    [Theory]
    [InlineData(ColorScheme.Light)]
    [InlineData(ColorScheme.Dark)]
    public async Task Axe_BarePageMidRunFinishedWithPreviewAndFailed_HasNoSeriousOrCriticalViolation(ColorScheme scheme)
    {
        await using var server = await SampleServer.StartAsync(controlled: true);
        server.Control!.HoldBefore(3);
        // axe-core goes in as an inline script of the test's, which the page's CSP rightly refuses.
        var page = await browser.NewSamplePageAsync(1280, 900, scheme, bypassCsp: true);
        await page.OpenAsync(server.BaseAddress);
        var found = new List<string>();
        found.AddRange(await Axe.SeriousViolationsAsync(page.Page));

        await page.StartAsync();
        await page.WaitForStageAsync("phase_3_started");
        await Expect(page.SavedCount).ToHaveTextAsync("9");
        found.AddRange(await Axe.SeriousViolationsAsync(page.Page));

        server.Control.Release(3);
        await page.ExpectCompletedAsync();
        await page.File("Program.cs").ClickAsync();
        await Expect(page.PreviewText()).Not.ToBeEmptyAsync();
        found.AddRange(await Axe.SeriousViolationsAsync(page.Page));

        await page.StartAsync("A task tracker [fail-always:phase=2]");
        await page.ExpectStatusAsync("failed");
        found.AddRange(await Axe.SeriousViolationsAsync(page.Page));

        found.Distinct().Should().BeEmpty();
    }

    [Fact]
    public async Task Keyboard_ReachesSignOutStartBudgetFilesPreviewAndTheListInOrder()
    {
        await using var server = await SampleServer.StartAsync();
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        await page.StartAsync();
        await page.ExpectCompletedAsync();
        await page.Page.Locator(".skip-link").FocusAsync();

        var reached = new HashSet<string>();
        for (var i = 0; i < 80 && !reached.Contains("generation-open"); i++)
        {
            await page.Page.Keyboard.PressAsync("Tab");
            reached.Add(await page.Page.EvaluateAsync<string>("""
                () => {
                  const e = document.activeElement;
                  if (e.closest('#files')) return 'file';
                  if (e.dataset?.open) return 'generation-open';
                  return e.id || e.tagName.toLowerCase();
                }
                """));
        }

        reached.Should().Contain(["sign-out", "prompt", "entities", "budget", "start", "archive", "file", "modification", "iterate", "generations-refresh", "generation-open"]);
    }
}
