using System.Globalization;
using System.Text;
using System.Text.Json;
using Iteration.Streaming.Sample.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Iteration.Streaming.Sample.Web.Tests.Browser;

/// <summary>
/// A phase that continues from its checkpoint, as the page sees it: the <c>resumed</c> event's <c>resumed_mid_phase</c>
/// in words, the continued phase's kept files and text read from <c>/live</c>, and the deltas after it. The test serves
/// the stream and <c>/live</c> (a restart mid-file needs a checkpoint store that outlives the host) while the real host
/// serves the rest.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class LiveResumeTests(BrowserFixture browser)
{
    [Fact]
    public async Task ResumedMidPhase_SaysWhereThePhaseContinuesAndShowsTheKeptTextThenTheNewText()
    {
        await using var server = await SampleServer.StartAsync(controlled: true);
        server.Control!.HoldBefore(1);
        var page = new SamplePage(await browser.NewPageAsync());
        var end = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        string? id = null;
        var streams = 0;
        var liveRequests = 0;
        await page.Page.RouteAsync("**/generations/*/stream*", async route =>
        {
            if (Interlocked.Increment(ref streams) > 1)
            {
                await end.Task;
                await route.FulfillAsync(Stream((7, Event(id!, "completed", 1, new { status = "completed" }))));
                return;
            }

            var info = new { total_phases = 1, current_phase = 1, phase = 1, name = "Main Application", phases = new[] { new { phase = 1, name = "Main Application" } } };
            await route.FulfillAsync(Stream(
                (1, Event(id!, "phased_generation_started", 0.05, new { phase_info = info })),
                (2, Event(id!, "phase_1_started", 0.05, new { phase_info = info })),
                (3, Event(id!, "phase_1_progress", 0.2, new { current_file = "Program.cs", partial_output = new { file = "Program.cs", offset = 0, text = "var a = 1;\n<b>", chars = 14 } })),
                (4, Event(id!, "resumed", 0.05, new { message = string.Empty, phase_info = info, resumed_mid_phase = new { phase = 1, file = "Program.cs", chars = 11, files_kept = 1 } })),
                (5, Event(id!, "phase_1_started", 0.05, new { phase_info = info })),
                (6, Event(id!, "phase_1_progress", 0.4, new { current_file = "Program.cs", partial_output = new { file = "Program.cs", offset = 11, text = "var b = \"<i>\";\n", chars = 26 } }))));
        });
        await page.Page.RouteAsync("**/generations/*/live", async route =>
        {
            Interlocked.Increment(ref liveRequests);
            await route.FulfillAsync(new RouteFulfillOptions
            {
                Status = 200,
                ContentType = "application/json",
                Body = JsonSerializer.Serialize(new
                {
                    generation_id = id,
                    status = "processing",
                    phase = 1,
                    sequence = 5,
                    current_file = "Program.cs",
                    files = new object[]
                    {
                        new { path = "App.cs", text = "class App { }\n", offset = 14, complete = true },
                        new { path = "Program.cs", text = "var a = 1;\n", offset = 11, complete = false },
                    },
                }),
            });
        });
        await page.OpenAsync(server.BaseAddress);
        var before = await page.GenerationId.TextContentAsync() ?? string.Empty;
        await page.Page.Locator("#start").ClickAsync();
        id = await page.NewGenerationIdAsync(before);

        await Expect(page.Page.Locator("#live-text")).ToHaveTextAsync("var a = 1;\nvar b = \"<i>\";\n");
        await Expect(page.Resumed()).ToHaveTextAsync(
            "Resumed: nothing was saved yet. Phase 1 continues where it stopped: Program.cs at 11 characters (1 file of the phase kept).");
        await Expect(page.Page.Locator("#live-note")).ToHaveTextAsync("26 B so far · 1 file of this phase finished");
        (await page.Page.Locator("#live-text b, #live-text i").CountAsync()).Should().Be(0, "generated text is never parsed as HTML");
        liveRequests.Should().Be(1, "the continued phase's kept files and text come from /live, once");

        end.SetResult();
        await page.ExpectStatusAsync("completed");
        await Expect(page.Page.Locator("#live")).ToBeHiddenAsync();
        server.Control.Release(1);
    }

    private static string Event(string generationId, string stage, double progress, object extra)
    {
        var fields = JsonSerializer.SerializeToElement(extra).EnumerateObject().ToDictionary(p => p.Name, p => (object)p.Value);
        fields["generation_id"] = generationId;
        fields.TryAdd("status", "processing");
        fields["stage"] = stage;
        fields["progress"] = progress;
        fields.TryAdd("message", stage);
        fields["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        return JsonSerializer.Serialize(fields);
    }

    private static RouteFulfillOptions Stream(params (int Id, string Data)[] events)
    {
        var body = new StringBuilder("retry: 50\n\n");
        foreach (var (eventId, data) in events)
        {
            body.Append(CultureInfo.InvariantCulture, $"id: {eventId}\ndata: {data}\n\n");
        }

        return new RouteFulfillOptions { Status = 200, ContentType = "text/event-stream", Body = body.ToString() };
    }
}
