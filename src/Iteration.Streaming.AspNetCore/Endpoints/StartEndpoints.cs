using Iteration.Streaming.AspNetCore.Diagnostics;
using Iteration.Streaming.AspNetCore.Http;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Iteration.Streaming.AspNetCore.Endpoints;

/// <summary>
/// <c>POST {prefix}</c> and <c>POST {prefix}/iterate</c>: start a generation or an iteration in the background and answer
/// 202 with its id, its stream token and its URLs.
/// </summary>
internal sealed class StartEndpoints(ILogger logger)
{
    public async Task StartAsync(HttpContext context)
    {
        var options = Options(context);
        var (body, error) = await JsonRequestReader.ReadAsync(
            context, IterationStreamingJsonContext.Default.StartGenerationRequest, RequestLimits.MaxBodyBytes(options)).ConfigureAwait(false);
        if (error is { } refused)
        {
            await Problems.WriteAsync(context, logger, refused.StatusCode, refused.Detail).ConfigureAwait(false);
            return;
        }

        var engine = context.RequestServices.GetRequiredService<IIterationEngine>();
        var id = await engine.StartAsync(new GenerationRequest(body!.Prompt!, body.Entities), context.RequestAborted).ConfigureAwait(false);
        Log.GenerationStarted(logger, id);
        await WriteStartedAsync(context, id, GroupPath(context, trailingSegments: 0)).ConfigureAwait(false);
    }

    public async Task IterateAsync(HttpContext context)
    {
        var options = Options(context);
        var (body, error) = await JsonRequestReader.ReadAsync(
            context, IterationStreamingJsonContext.Default.IterateGenerationRequest, RequestLimits.MaxBodyBytes(options)).ConfigureAwait(false);
        if (error is { } refused)
        {
            await Problems.WriteAsync(context, logger, refused.StatusCode, refused.Detail).ConfigureAwait(false);
            return;
        }

        var engine = context.RequestServices.GetRequiredService<IIterationEngine>();
        var parentId = body!.ParentGenerationId!;
        var id = await engine.IterateAsync(new IterationRequest(parentId, body.ModificationPrompt!), context.RequestAborted).ConfigureAwait(false);
        Log.IterationStarted(logger, id, parentId);
        await WriteStartedAsync(context, id, GroupPath(context, trailingSegments: 1)).ConfigureAwait(false);
    }

    private static IterationStreamingOptions Options(HttpContext context) =>
        context.RequestServices.GetRequiredService<IOptionsMonitor<IterationStreamingOptions>>().CurrentValue;

    /// <summary>The group's path as the client sees it (path base included, route parameters filled in), escaped.</summary>
    private static string GroupPath(HttpContext context, int trailingSegments)
    {
        var path = (context.Request.PathBase + context.Request.Path).ToUriComponent().TrimEnd('/');
        for (var i = 0; i < trailingSegments; i++)
        {
            path = path[..Math.Max(0, path.LastIndexOf('/'))];
        }

        return path;
    }

    private static Task WriteStartedAsync(HttpContext context, string id, string groupPath)
    {
        var tokens = context.RequestServices.GetRequiredService<IStreamTokenService>();
        var statusUrl = $"{groupPath}/{id}";
        var started = new GenerationStartedResponse
        {
            GenerationId = id,
            SseToken = tokens.IssueToken(id),
            StreamUrl = statusUrl + "/stream",
            StatusUrl = statusUrl,
        };

        var response = context.Response;
        response.StatusCode = StatusCodes.Status202Accepted;
        response.Headers.Location = statusUrl;
        response.Headers.CacheControl = "no-store";
        return response.WriteAsJsonAsync(started, IterationStreamingJsonContext.Default.GenerationStartedResponse, contentType: null, context.RequestAborted);
    }
}
