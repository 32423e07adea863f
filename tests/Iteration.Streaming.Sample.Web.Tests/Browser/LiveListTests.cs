using System.Text.RegularExpressions;
using Iteration.Streaming.Sample.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Iteration.Streaming.Sample.Web.Tests.Browser;

/// <summary>
/// "Your generations" moves its live rows over ONE connection, the owner's multiplexed stream
/// (<c>GET /generations/stream?owner=me</c>): a progress bar and the stage on each live row, runs started after the page
/// opened join the list, and no per-generation stream is opened for the list.
/// </summary>
[Collection(SecondBrowserCollection.Name)]
public sealed class LiveListTests(BrowserFixture browser)
{
    private const int Runs = 8;

    [Fact]
    public async Task LiveList_EightRunsStartedAfterTheListOpened_ShowsEachLiveWithProgressOverOneStreamRequest()
    {
        await using var server = await SampleServer.StartAsync(
            controlled: true,
            settings: ["--IterationStreaming:MaxConcurrentGenerations=8", "--IterationStreaming:Budgets:OwnerConcurrentGenerations=8"]);
        server.Control!.HoldBefore(2);
        // axe-core goes in as an inline script of the test's, which the page's CSP rightly refuses.
        var page = await browser.NewSamplePageAsync(1280, 900, bypassCsp: true);
        var streams = new List<string>();
        page.Page.Request += (_, request) =>
        {
            var path = new Uri(request.Url).AbsolutePath;
            if (path.EndsWith("/stream", StringComparison.Ordinal))
            {
                lock (streams)
                {
                    streams.Add(path);
                }
            }
        };
        await page.OpenAsync(server.BaseAddress);
        await Expect(page.Page.Locator("#generations-card")).ToBeVisibleAsync();

        // Started as another tab of the same user would (same origin, the sign-in cookie): only the stream tells the list.
        var ids = await page.Page.EvaluateAsync<string[]>("""
            async (runs) => {
              const ids = [];
              for (let i = 1; i <= runs; i++) {
                const response = await fetch('/generations', {
                  method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' },
                  body: JSON.stringify({ prompt: `Live app ${i}`, entities: ['User', 'Task'] }),
                });
                if (response.status !== 202) throw new Error(`start ${i}: ${response.status} ${await response.text()}`);
                ids.push((await response.json()).generation_id);
              }
              return ids;
            }
            """, Runs);

        await Expect(page.Generations()).ToHaveCountAsync(Runs);
        foreach (var id in ids)
        {
            var row = page.Page.Locator($"#generations li[data-id='{id}']");
            await Expect(row.Locator(".badge")).ToHaveTextAsync("processing");
            await Expect(row.GetByRole(AriaRole.Progressbar)).ToHaveAttributeAsync("aria-valuenow", new Regex("^[1-9][0-9]?$"));
            await Expect(row.Locator(".stage")).ToContainTextAsync("Phase 2/5 — User Entity");
        }

        var violations = await Axe.SeriousViolationsAsync(page.Page);
        await page.Page.SetViewportSizeAsync(390, 844);
        var overflow = await page.HorizontalOverflowAsync();
        server.Control.Release(2);
        foreach (var id in ids)
        {
            await Expect(page.Page.Locator($"#generations li[data-id='{id}'] .badge")).ToHaveTextAsync("completed");
        }

        violations.Should().BeEmpty();
        overflow.Should().Be(0, $"nothing may be wider than the viewport, but these are: {string.Join(", ", await page.OverflowingElementsAsync())}");
        await Expect(page.Generations().GetByRole(AriaRole.Progressbar)).ToHaveCountAsync(0);
        lock (streams)
        {
            streams.Should().Equal(["/generations/stream"], "the whole list moves over one multiplexed stream, and no run gets a stream of its own");
        }

        server.Dropper.MultiplexedRequests.Should().ContainSingle("the server saw the same one connection");
        server.Dropper.Requests.Should().BeEmpty();
    }
}
