using Iteration.Streaming.AspNetCore.Diagnostics;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.AspNetCore.Endpoints;

/// <summary>
/// <c>GET {prefix}/{id}/live</c>: the phase in progress as it stands (its finished files and the text so far of the file
/// being written) with the id of the last event it includes, so a reloaded page rebuilds the exact text: this answer,
/// then the stream from <c>Last-Event-ID: {sequence}</c>. Read access as for the snapshot.
/// </summary>
internal sealed class LiveEndpoint(ILogger logger)
{
    public async Task GetAsync(HttpContext context)
    {
        if (await GenerationAccess.AuthorizeReadAsync(context, logger).ConfigureAwait(false) is not { } id)
        {
            return;
        }

        var engine = context.RequestServices.GetRequiredService<IIterationEngine>();
        var live = await engine.GetLiveAsync(id, context.RequestAborted).ConfigureAwait(false);
        Log.LiveServed(logger, id, live.Phase ?? 0, live.Files.Count, live.Sequence);

        // The text changes with every event: a cached copy would pair an old text with a newer sequence.
        context.Response.Headers.CacheControl = "no-store";

        // Serialised straight into the response's pipe: a text of hundreds of kilobytes is not copied into a buffer first.
        await context.Response.WriteAsJsonAsync(live, IterationStreamingJson.GenerationLive, contentType: null, context.RequestAborted).ConfigureAwait(false);
    }
}
