using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.AspNetCore.Tests.Builder;

/// <summary>The metadata API explorers read from MapIterationStream's endpoints (the sample's document is tested in full).</summary>
public sealed class OpenApiMetadataTests
{
    [Fact]
    public async Task MapIterationStream_TwoPrefixes_GiveUniqueOperationNames()
    {
        await using var host = await KestrelTestHost.StartAsync(configureApp: app =>
        {
            app.MapIterationStream();
            app.MapIterationStream("/tenants/{tenant}/generations");
        });

        var names = Endpoints(host).Select(e => e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName).OfType<string>().ToList();

        names.Should().HaveCount(32).And.OnlyHaveUniqueItems();
        names.Should().Contain(["startGeneration", "startGeneration_tenants__tenant__generations"]);
    }

    [Fact]
    public async Task MapIterationStream_EveryDescribedRoute_AnswersProblemDetailsFor500AndNamesItsRouteParameters()
    {
        await using var host = await KestrelTestHost.StartAsync();

        var described = Endpoints(host).Where(e => e.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is not { ExcludeFromDescription: true }).ToList();

        described.Should().HaveCount(16).And.AllSatisfy(endpoint =>
        {
            endpoint.Metadata.GetOrderedMetadata<IProducesResponseTypeMetadata>().Should().Contain(
                p => p.StatusCode == StatusCodes.Status500InternalServerError && p.ContentTypes.Contains("application/problem+json"), endpoint.DisplayName);
            var shape = endpoint.Metadata.GetMetadata<MethodInfo>();
            shape.Should().NotBeNull(endpoint.DisplayName);
            endpoint.RoutePattern.Parameters.Select(p => p.Name).Should().BeSubsetOf(shape!.GetParameters().Select(p => p.Name!), endpoint.DisplayName);
        });
    }

    [Fact]
    public async Task MapIterationStream_CatchAll_IsLeftOutOfTheDescription()
    {
        await using var host = await KestrelTestHost.StartAsync();

        var catchAll = Endpoints(host).Single(e => e.RoutePattern.RawText!.Contains("**iterationStreamingUnmatchedPath", StringComparison.Ordinal));

        catchAll.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>()!.ExcludeFromDescription.Should().BeTrue();
    }

    private static IEnumerable<RouteEndpoint> Endpoints(KestrelTestHost host) =>
        host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();
}
