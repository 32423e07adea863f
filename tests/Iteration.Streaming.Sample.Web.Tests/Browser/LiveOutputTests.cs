using System.Text;
using System.Text.Json;
using Iteration.Streaming.Sample.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Iteration.Streaming.Sample.Web.Tests.Browser;

/// <summary>
/// What an AI generator adds to the events: a file growing (<c>partial_output: {file, chars}</c> with
/// <c>current_file</c>) and the token usage on <c>completed</c>. The demo generator sends neither, so here the test serves
/// the stream (in two parts: the browser reconnects after the first) while the real host serves the rest.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class LiveOutputTests(BrowserFixture browser)
{
    [Fact]
    public async Task PartialOutputAndUsage_ShowTheFileGrowingThenTheTokensUsed()
    {
        await using var server = await SampleServer.StartAsync(controlled: true);
        server.Control!.HoldBefore(1);
        var page = new SamplePage(await browser.NewPageAsync());
        var secondPart = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        string? id = null;
        var streams = 0;
        await page.Page.RouteAsync("**/generations/*/stream*", async route =>
        {
            if (Interlocked.Increment(ref streams) == 1)
            {
                await route.FulfillAsync(Stream(
                    (1, Event(id!, "phased_generation_started", 0.05, new { phase_info = new { total_phases = 1, current_phase = 0, phases = new[] { new { phase = 1, name = "Main Application" } } } })),
                    (2, Event(id!, "phase_1_started", 0.05, new { phase_info = new { total_phases = 1, current_phase = 1, phase = 1, name = "Main Application" } })),
                    (3, Event(id!, "phase_1_progress", 0.2, new { current_file = "Program.cs", partial_output = new { file = "Program.cs", chars = 400 } })),
                    (4, Event(id!, "phase_1_progress", 0.4, new { current_file = "Program.cs", partial_output = new { file = "Program.cs", chars = 1200 } }))));
                return;
            }

            await secondPart.Task;
            await route.FulfillAsync(Stream(
                (5, Event(id!, "phase_1_progress", 0.6, new { current_file = "Program.cs", phase_info = new { total_phases = 1, current_phase = 1, phase = 1, files_generated = 1, total_files = 1 } })),
                (6, Event(id!, "completed", 1, new { status = "completed", partial_output = new { usage = new { input_tokens = 1200, output_tokens = 3400 } } }))));
        });
        await page.OpenAsync(server.BaseAddress);
        var before = await page.GenerationId.TextContentAsync() ?? string.Empty;
        await page.Page.Locator("#start").ClickAsync();
        id = await page.NewGenerationIdAsync(before);

        await Expect(page.Page.Locator("#writing")).ToHaveTextAsync("Writing Program.cs · 1.2 KB so far");
        secondPart.SetResult();

        await Expect(page.Page.Locator("#usage")).ToHaveTextAsync("Tokens used: 1,200 in · 3,400 out");
        await Expect(page.Page.Locator("#writing")).ToBeHiddenAsync();
        streams.Should().Be(2, "the browser reconnected after the first part, as after a dropped connection");
        server.Control.Release(1);
    }

    private static string Event(string generationId, string stage, double progress, object extra)
    {
        var fields = JsonSerializer.SerializeToElement(extra).EnumerateObject().ToDictionary(p => p.Name, p => (object)p.Value);
        fields["generation_id"] = generationId;
        fields.TryAdd("status", "processing");
        fields["stage"] = stage;
        fields["progress"] = progress;
        fields["message"] = stage;
        fields["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        return JsonSerializer.Serialize(fields);
    }

    private static RouteFulfillOptions Stream(params (int Id, string Data)[] events)
    {
        var body = new StringBuilder("retry: 50\n\n");
        foreach (var (eventId, data) in events)
        {
            body.Append(System.Globalization.CultureInfo.InvariantCulture, $"id: {eventId}\ndata: {data}\n\n");
        }

        return new RouteFulfillOptions { Status = 200, ContentType = "text/event-stream", Body = body.ToString() };
    }
}
