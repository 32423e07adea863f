using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using Iteration.Streaming.AspNetCore.Diagnostics;
using Iteration.Streaming.AspNetCore.Endpoints;
using Iteration.Streaming.AspNetCore.Http;
using Iteration.Streaming.AspNetCore.Streams;
using Iteration.Streaming.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// Maps the Iteration.Streaming HTTP endpoints.
/// </summary>
public static class IterationStreamEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the generation endpoints under <paramref name="prefix"/>: <c>POST {prefix}</c> and <c>POST {prefix}/iterate</c>
    /// (start, 202), <c>GET {prefix}/{id}/stream</c> (Server-Sent Events with resume), <c>GET {prefix}/{id}</c> (snapshot),
    /// <c>GET {prefix}/{id}/files</c>, <c>/files/{**path}</c> and <c>/archive</c>, <c>DELETE {prefix}/{id}</c> (cancel) and
    /// <c>POST {prefix}/{id}/retry</c>. Reads need the generation's <c>sse_token</c> (or its control token, never in a URL);
    /// iterate, cancel and retry need its <c>control_token</c> in the <c>Authorization</c> header, or its owner (see
    /// <c>AddGenerationOwnerResolver</c>). Every error is an RFC 9457 Problem Details.
    /// </summary>
    /// <param name="endpoints">The application or a route group.</param>
    /// <param name="prefix">The route prefix. Default <c>/generations</c>.</param>
    /// <returns>The route group, to add the host's own policies: <c>.RequireAuthorization()</c>, CORS, rate limiting.</returns>
    /// <exception cref="InvalidOperationException"><c>services.AddIterationStreaming()</c> was not called.</exception>
    public static RouteGroupBuilder MapIterationStream(
        this IEndpointRouteBuilder endpoints,
        [StringSyntax("Route")] string prefix = "/generations")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(prefix);

        var services = endpoints.ServiceProvider;
        if (services.GetService<IterationStreamingMarker>() is null)
        {
            throw new InvalidOperationException(
                "Unable to find the Iteration.Streaming services. Add them by calling 'services.AddIterationStreaming()' " +
                "(for example 'builder.Services.AddIterationStreaming()') before building the application.");
        }

        var logger = services.GetService<ILoggerFactory>()?.CreateLogger("Iteration.Streaming.AspNetCore") ?? NullLogger.Instance;
        var metrics = new StreamMetrics(services.GetService<IMeterFactory>());
        var start = new StartEndpoints(logger);
        var status = new StatusEndpoints(logger);
        var stream = new StreamEndpoint(logger, metrics, GenerationStreamLimiter.For(services));
        var files = new FileEndpoints(logger);
        var unmatched = new UnmatchedRouteEndpoint(logger);

        var group = endpoints.MapGroup(prefix);
        group.MapPost(string.Empty, EndpointErrors.Handle(start.StartAsync, logger)).WithDisplayName("Iteration.Streaming: start a generation");
        group.MapPost("/iterate", EndpointErrors.Handle(start.IterateAsync, logger)).WithDisplayName("Iteration.Streaming: start an iteration");
        group.MapPost("/{id}/retry", EndpointErrors.Handle(start.RetryAsync, logger)).WithDisplayName("Iteration.Streaming: retry");
        group.MapGet("/{id}", EndpointErrors.Handle(status.GetSnapshotAsync, logger)).WithDisplayName("Iteration.Streaming: snapshot");
        group.MapDelete("/{id}", EndpointErrors.Handle(status.CancelAsync, logger)).WithDisplayName("Iteration.Streaming: cancel");
        group.MapGet("/{id}/stream", EndpointErrors.Handle(stream.HandleAsync, logger)).WithDisplayName("Iteration.Streaming: event stream");
        group.MapGet("/{id}/files", EndpointErrors.Handle(files.ListAsync, logger)).WithDisplayName("Iteration.Streaming: file list");
        group.MapGet("/{id}/files/{**path}", EndpointErrors.Handle(files.GetFileAsync, logger)).WithDisplayName("Iteration.Streaming: file");
        group.MapGet("/{id}/archive", EndpointErrors.Handle(files.GetArchiveAsync, logger)).WithDisplayName("Iteration.Streaming: archive");
        group.Map("/{**" + UnmatchedRouteEndpoint.PathParameter + "}", EndpointErrors.Handle(unmatched.HandleAsync, logger))
            .WithDisplayName("Iteration.Streaming: no such endpoint")
            .WithOrder(int.MaxValue);
        return group;
    }
}
