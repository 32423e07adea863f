using Iteration.Streaming.Events;
using Microsoft.AspNetCore.Builder;

namespace Iteration.Streaming.AspNetCore.Tests.EndToEnd;

public sealed class RoutePrefixTests
{
    [Fact]
    public async Task MapIterationStream_UnderAPrefixAndPathBase_ReturnsUrlsTheClientCanFollow()
    {
        await using var host = await KestrelTestHost.StartAsync(configureApp: app =>
        {
            app.UsePathBase("/app");
            app.UseRouting();
            app.MapIterationStream("/api/v1/generations");
        });
        var client = host.CreateClient();

        var started = await host.StartGenerationAsync(client, prefix: "app/api/v1/generations");
        using var stream = await client.GetAsync($"{started.StreamUrl.TrimStart('/')}?token={started.SseToken}", HttpCompletionOption.ResponseHeadersRead);

        started.StreamUrl.Should().Be($"/app/api/v1/generations/{started.GenerationId}/stream");
        started.StatusUrl.Should().Be($"/app/api/v1/generations/{started.GenerationId}");
        (await stream.ReadAllEventsAsync().WithPatience())[^1].ToProgressEvent().Status.Should().Be(GenerationStatus.Completed);
    }

    [Fact]
    public async Task MapIterationStream_WithARouteParameterInThePrefix_FillsItIntoTheUrls()
    {
        await using var host = await KestrelTestHost.StartAsync(configureApp: app => app.MapIterationStream("/tenants/{tenant}/generations"));
        var client = host.CreateClient();

        var started = await host.StartGenerationAsync(client, prefix: "tenants/acme/generations");

        started.StatusUrl.Should().Be($"/tenants/acme/generations/{started.GenerationId}");
    }
}
