using Iteration.Streaming.Generation;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.AspNetCore.Tests.OpenApi;

/// <summary>A host like the sample's: <c>AddOpenApi()</c>, <c>MapOpenApi()</c> and <c>MapIterationStream()</c> on Kestrel.</summary>
internal static class OpenApiTestHost
{
    public const string DocumentPath = "openapi/v1.json";

    public static Task<KestrelTestHost> StartAsync(IPhaseGenerator? generator = null) => KestrelTestHost.StartAsync(
        configureServices: b => b.Services.AddOpenApi("v1"),
        configureApp: app =>
        {
            app.MapOpenApi("/openapi/{documentName}.json");
            app.MapIterationStream();
        },
        generator: generator);
}
