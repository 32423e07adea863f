using Iteration.Streaming.AspNetCore.Diagnostics;
using Iteration.Streaming.AspNetCore.Http;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.AspNetCore.Endpoints;

/// <summary>
/// <c>GET {prefix}/{id}</c> (the latest snapshot; either token) and <c>DELETE {prefix}/{id}</c> (cancel; the control token).
/// </summary>
internal sealed class StatusEndpoints(ILogger logger)
{
    public async Task GetSnapshotAsync(HttpContext context)
    {
        if (await GenerationAccess.AuthorizeReadAsync(context, logger).ConfigureAwait(false) is not { } id)
        {
            return;
        }

        var engine = context.RequestServices.GetRequiredService<IIterationEngine>();
        var snapshot = await engine.GetSnapshotAsync(id, context.RequestAborted).ConfigureAwait(false);
        context.Response.Headers.CacheControl = "no-cache";
        await context.Response.WriteAsJsonAsync(snapshot, IterationStreamingJson.GenerationSnapshot, contentType: null, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>202 with the snapshot when the run was going (its stream ends with <c>cancelled</c>); 409 when it had ended.</summary>
    public async Task CancelAsync(HttpContext context)
    {
        if (await GenerationAccess.GetRouteIdAsync(context, logger).ConfigureAwait(false) is not { } id
            || !(await GenerationAccess.AuthorizeActionAsync(context, id, logger).ConfigureAwait(false)).Allowed)
        {
            return;
        }

        var engine = context.RequestServices.GetRequiredService<IIterationEngine>();
        var cancelled = await engine.CancelAsync(id, context.RequestAborted).ConfigureAwait(false);
        var snapshot = await engine.GetSnapshotAsync(id, context.RequestAborted).ConfigureAwait(false);
        if (!cancelled)
        {
            await Problems.WriteAsync(
                context, logger, StatusCodes.Status409Conflict, $"Generation '{id}' has already ended with status '{snapshot.Status}'.").ConfigureAwait(false);
            return;
        }

        Log.CancelRequested(logger, id);
        context.Response.StatusCode = StatusCodes.Status202Accepted;
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsJsonAsync(snapshot, IterationStreamingJson.GenerationSnapshot, contentType: null, context.RequestAborted).ConfigureAwait(false);
    }
}
