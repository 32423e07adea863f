using System.IO.Compression;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.AspNetCore.Tests.Endpoints;

public sealed class StreamCompressionTests : IAsyncLifetime
{
    private static readonly string LargeText = string.Concat(Enumerable.Repeat("compress me please ", 2_000));

    private KestrelTestHost _host = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(
            configureServices: b => b.Services.AddResponseCompression(o =>
            {
                o.EnableForHttps = true;
                o.Providers.Add<GzipCompressionProvider>();
                o.MimeTypes = ResponseCompressionDefaults.MimeTypes.Concat(["text/event-stream"]);
            }),
            configureApp: app =>
            {
                app.UseResponseCompression();
                app.MapGet("/control", () => Results.Text(LargeText, "text/event-stream"));
                app.MapIterationStream();
            });
        _client = _host.CreateClient();
        _client.DefaultRequestHeaders.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        _client.DefaultRequestHeaders.AcceptEncoding.Add(new StringWithQualityHeaderValue("br"));
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Control_TheCompressionMiddlewareIsActiveForEventStreams()
    {
        using var response = await _client.GetAsync("control");

        response.Content.Headers.ContentEncoding.Should().Equal("gzip");
        await using var gzip = new GZipStream(await response.Content.ReadAsStreamAsync(), CompressionMode.Decompress);
        (await new StreamReader(gzip).ReadToEndAsync()).Should().Be(LargeText);
    }

    [Fact]
    public async Task Stream_WithTheCompressionMiddleware_IsNeverCompressed()
    {
        var (id, token) = await _host.CreateGenerationLogAsync();
        for (var i = 0; i < 200; i++)
        {
            await _host.EventLog.AppendAsync(TestEvents.Progress(id, i));
        }

        await _host.EndGenerationAsync(TestEvents.Completed(id) with { Timestamp = _host.Now });

        using var response = await _client.GetStreamAsync(id, token);
        var items = await response.ReadAllEventsAsync().WithPatience();

        response.Content.Headers.ContentEncoding.Should().NotContain(["gzip", "br", "deflate"]);
        response.Headers.Vary.Should().NotContain("Accept-Encoding");
        items.Select(i => i.Sequence()).Should().Equal(Enumerable.Range(1, 201).Select(i => (long)i));
    }

    [Fact]
    public async Task Stream_WithTheCompressionMiddleware_DeliversLiveEventsAtOnce()
    {
        var (id, token) = await _host.CreateGenerationLogAsync();
        using var response = await _client.GetStreamAsync(id, token);
        await using var events = response.ReadEventsAsync().GetAsyncEnumerator();

        for (var i = 0; i < 3; i++)
        {
            await _host.EventLog.AppendAsync(TestEvents.Progress(id, i));
            (await events.MoveNextAsync().AsTask().WithPatience()).Should().BeTrue("a compressing, buffering middleware would hold the event back");
            events.Current.Sequence().Should().Be(i + 1);
        }
    }
}
