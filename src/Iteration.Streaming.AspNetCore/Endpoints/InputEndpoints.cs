using Iteration.Streaming.AspNetCore.Diagnostics;
using Iteration.Streaming.AspNetCore.Http;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.AspNetCore.Endpoints;

/// <summary>
/// <c>POST {prefix}/{id}/input</c>: the user's answer at a review gate, or an instruction while a phase runs. Authorised
/// as cancel is (the control token in the header, or the owner); the input is stored before the 202.
/// </summary>
internal sealed class InputEndpoints(ILogger logger)
{
    public async Task SendAsync(HttpContext context)
    {
        if (await GenerationAccess.GetRouteIdAsync(context, logger).ConfigureAwait(false) is not { } id
            || !(await GenerationAccess.AuthorizeActionAsync(context, id, logger).ConfigureAwait(false)).Allowed)
        {
            return;
        }

        var options = context.RequestServices.GetRequiredService<IOptionsMonitor<IterationStreamingOptions>>().CurrentValue;
        var (body, error) = await JsonRequestReader.ReadAsync(
            context, IterationStreamingJson.GenerationInputRequest, RequestLimits.MaxInputBodyBytes(options)).ConfigureAwait(false);
        if (error is { } refused)
        {
            await Problems.WriteAsync(context, logger, refused.StatusCode, refused.Detail).ConfigureAwait(false);
            return;
        }

        var engine = context.RequestServices.GetRequiredService<IIterationEngine>();
        var accepted = await engine.SendInputAsync(id, body!, context.RequestAborted).ConfigureAwait(false);
        Log.InputSent(logger, id, accepted.Action);
        context.Response.StatusCode = StatusCodes.Status202Accepted;
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsJsonAsync(accepted, IterationStreamingJson.GenerationInputAccepted, contentType: null, context.RequestAborted).ConfigureAwait(false);
    }
}
