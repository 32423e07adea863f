using System.Text.Json;
using Iteration.Streaming.Sample.Web.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Iteration.Streaming.Sample.Web.Tests.Browser;

/// <summary>
/// The JavaScript client as a front-end developer uses it: installed from its tarball into a page served by a second
/// Kestrel on another port (another origin), imported by name through an import map, calling the sample host across
/// origins in Chromium: allowed by <c>Sample:CorsOrigins</c>, and refused with a message that says so when not.
/// </summary>
[Collection(SecondBrowserCollection.Name)]
public sealed class CrossOriginClientTests(BrowserFixture browser, ClientTarball client) : IClassFixture<ClientTarball>, IAsyncLifetime
{
    private FrontEndServer _frontEnd = null!;

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(Path.Combine(client.ProjectFolder, "index.html"), PageHtml);
        await File.WriteAllTextAsync(Path.Combine(client.ProjectFolder, "page.js"), PageScript);
        _frontEnd = await FrontEndServer.StartAsync(client.ProjectFolder);
    }

    public async Task DisposeAsync() => await _frontEnd.DisposeAsync();

    [Fact]
    public async Task Run_FromAListedOrigin_StreamsToCompletionAndListsTheFiles()
    {
        await using var server = await SampleServer.StartAsync(settings: $"--Sample:CorsOrigins={_frontEnd.OriginText}");
        var page = await OpenAsync(server);

        var result = await page.EvaluateAsync<JsonElement>("() => window.demo.run('A task tracker')");

        result.GetProperty("reason").GetString().Should().Be("completed");
        result.GetProperty("progress").GetInt32().Should().Be(100);
        result.GetProperty("files").GetInt32().Should().BeGreaterThan(0).And.Be(result.GetProperty("generated").GetInt32());
        (await page.EvaluateAsync<string>("() => location.origin")).Should().NotBe(server.BaseAddress.GetLeftPart(UriPartial.Authority));
    }

    [Fact]
    public async Task Cancel_FromAListedOrigin_SendsTheControlTokenAndEndsCancelled()
    {
        await using var server = await SampleServer.StartAsync(controlled: true, settings: $"--Sample:CorsOrigins={_frontEnd.OriginText}");
        server.Control!.HoldBefore(2);
        var page = await OpenAsync(server);

        var result = await page.EvaluateAsync<JsonElement>("() => window.demo.startAndCancel('A task tracker')");

        result.GetProperty("cancelled").GetBoolean().Should().BeTrue();
        result.GetProperty("reason").GetString().Should().Be("cancelled");
        server.Control.Release(2);
    }

    [Fact]
    public async Task Start_FromAnOriginNotListed_RejectsSayingCorsOrUnreachable()
    {
        await using var server = await SampleServer.StartAsync();
        var page = await OpenAsync(server);

        var result = await page.EvaluateAsync<JsonElement>("() => window.demo.tryStart()");

        result.GetProperty("isApiError").GetBoolean().Should().BeTrue();
        result.GetProperty("status").GetInt32().Should().Be(0);
        result.GetProperty("message").GetString().Should().Be(
            $"The request to {server.BaseAddress.GetLeftPart(UriPartial.Authority)} was refused by CORS or the server is unreachable (Failed to fetch).");
    }

    private async Task<IPage> OpenAsync(SampleServer server)
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(_frontEnd.Origin, $"/?api={Uri.EscapeDataString(server.BaseAddress.ToString())}").ToString());
        await page.WaitForFunctionAsync("() => window.demo !== undefined");
        return page;
    }

    // The page a developer writes after `npm install <tarball>`: the package imported by its name (an import map stands
    // in for a bundler), the API on another origin.
    private const string PageHtml = """
        <!doctype html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <title>Another origin</title>
          <script type="importmap">{ "imports": { "iteration-streaming-client": "/node_modules/iteration-streaming-client/index.js" } }</script>
        </head>
        <body>
          <p id="status">idle</p>
          <script type="module" src="page.js"></script>
        </body>
        </html>
        """;

    private const string PageScript = """
        import { applyEvent, createGenerationsClient, GenerationApiError, initialProgress } from 'iteration-streaming-client';

        const api = createGenerationsClient({ baseUrl: new URLSearchParams(location.search).get('api') });

        const watch = (started, onFirstEvent) => new Promise((resolve) => {
          let state = initialProgress();
          let first = true;
          api.watch(started, {
            onEvent(event, id) {
              state = applyEvent(state, event, { id });
              document.getElementById('status').textContent = state.status;
              if (first) { first = false; onFirstEvent?.(); }
            },
            onEnd(reason) { resolve({ reason, state }); },
          });
        });

        window.demo = {
          async run(prompt) {
            const started = await api.start({ prompt, entities: ['Task'] });
            const { reason, state } = await watch(started);
            const { files } = await api.files(started.generation_id, started.sse_token);
            return { reason, progress: state.progress, generated: state.filesGenerated, files: files.length };
          },
          async startAndCancel(prompt) {
            const started = await api.start({ prompt, entities: ['Task'] });
            let cancelling;
            const { reason } = await watch(started, () => { cancelling = api.cancel(started.generation_id, started.control_token); });
            return { reason, cancelled: await cancelling };
          },
          async tryStart() {
            try {
              await api.start({ prompt: 'A task tracker' });
              return { status: 'started' };
            } catch (error) {
              return { isApiError: error instanceof GenerationApiError, status: error.status, message: error.message };
            }
          },
        };
        """;
}
