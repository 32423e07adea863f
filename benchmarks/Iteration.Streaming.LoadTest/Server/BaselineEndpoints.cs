using System.Buffers;
using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Iteration.Streaming.Events;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.SignalR;

namespace Iteration.Streaming.LoadTest.Server;

/// <summary>The baselines: minimal but fair endpoints, each what a team would write first.</summary>
internal static class BaselineEndpoints
{
    public static void Map(WebApplication app)
    {
        // (a) naive: serialise per subscriber, write and flush per event.
        app.MapGet("/naive/{id}/stream", async (HttpContext context, string id, BaselineHub hub) =>
        {
            var response = PrepareSse(context);
            var subscriber = hub.Subscribe(id);
            var cancellationToken = context.RequestAborted;
            try
            {
                await response.Body.FlushAsync(cancellationToken);
                await foreach (var item in subscriber.Channel.Reader.ReadAllAsync(cancellationToken))
                {
                    var json = JsonSerializer.Serialize(item.Event, IterationStreamingJson.StreamingProgressEvent);
                    await response.WriteAsync("id: " + item.Sequence.ToString(CultureInfo.InvariantCulture) + "\ndata: " + json + "\n\n", cancellationToken);
                    await response.Body.FlushAsync(cancellationToken);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException)
            {
                // The client left.
            }
            finally
            {
                hub.Unsubscribe(id, subscriber);
            }
        });

        // The floor: what a bare Kestrel endpoint costs when it does the least work that is still correct: the frame
        // serialised once per event for all subscribers, a per-subscriber channel, one flush per drained batch.
        app.MapGet("/floor/{id}/stream", async (HttpContext context, string id, BaselineHub hub) =>
        {
            var response = PrepareSse(context);
            var subscriber = hub.Subscribe(id);
            var reader = subscriber.Channel.Reader;
            var writer = response.BodyWriter;
            var cancellationToken = context.RequestAborted;
            try
            {
                await writer.FlushAsync(cancellationToken);
                while (await reader.WaitToReadAsync(cancellationToken))
                {
                    while (reader.TryRead(out var item))
                    {
                        writer.Write(item.Frame.AsSpan());
                    }

                    var flushed = await writer.FlushAsync(cancellationToken);
                    if (flushed.IsCompleted || flushed.IsCanceled)
                    {
                        break;
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException)
            {
                // The client left.
            }
            finally
            {
                hub.Unsubscribe(id, subscriber);
            }
        });

        // (b) ASP.NET Core's built-in SSE result, fed by a per-subscriber channel.
        app.MapGet("/typed/{id}/stream", (string id, BaselineHub hub, CancellationToken cancellationToken) =>
            TypedResults.ServerSentEvents(ReadAsync(hub, id, cancellationToken)));

        // (c) SignalR streaming hub; the load generator speaks its SSE transport.
        app.MapHub<WatchHub>("/hubs/watch");
    }

    /// <summary>The SSE response headers both hand-written baselines send, with response buffering off.</summary>
    private static HttpResponse PrepareSse(HttpContext context)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        return response;
    }

    private static async IAsyncEnumerable<SseItem<StreamingProgressEvent>> ReadAsync(
        BaselineHub hub, string id, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var subscriber = hub.Subscribe(id);
        try
        {
            await foreach (var item in subscriber.Channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return new SseItem<StreamingProgressEvent>(item.Event) { EventId = item.Sequence.ToString(CultureInfo.InvariantCulture) };
            }
        }
        finally
        {
            hub.Unsubscribe(id, subscriber);
        }
    }
}

/// <summary>The SignalR baseline: one streaming method that yields a generation's events.</summary>
internal sealed class WatchHub(BaselineHub hub) : Hub
{
    public async IAsyncEnumerable<StreamingProgressEvent> Watch(string generationId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var subscriber = hub.Subscribe(generationId);
        try
        {
            await foreach (var item in subscriber.Channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return item.Event;
            }
        }
        finally
        {
            hub.Unsubscribe(generationId, subscriber);
        }
    }
}
