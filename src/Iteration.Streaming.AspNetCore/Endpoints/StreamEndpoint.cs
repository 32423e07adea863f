using System.Globalization;
using Iteration.Streaming.AspNetCore.Diagnostics;
using Iteration.Streaming.AspNetCore.Http;
using Iteration.Streaming.AspNetCore.Streams;
using Iteration.Streaming.Engine;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Iteration.Streaming.AspNetCore.Endpoints;

/// <summary>
/// <c>GET {prefix}/{id}/stream</c>: the generation's events as Server-Sent Events, resumable from <c>Last-Event-ID</c>.
/// </summary>
/// <remarks>
/// It reads the event log through <see cref="IIterationEngine.WatchAsync"/>: any instance that shares the log (and the
/// signing key) can serve any generation's stream, and a run of this instance whose end storage refused ends its stream
/// with that end (<c>storage_unavailable</c>) from memory. A stream holds one of its generation's <c>MaxStreamsPerGeneration</c> slots on this instance
/// (429 beyond them) and its subscription; both are released however the stream ends.
/// </remarks>
internal sealed class StreamEndpoint(ILogger logger, StreamMetrics metrics, GenerationStreamLimiter limiter)
{
    /// <summary>How far apart the reconnects of a stopping host's watchers are spread, beyond <c>RetryInterval</c>.</summary>
    internal static readonly TimeSpan StoppingReconnectSpread = TimeSpan.FromSeconds(5);

    /// <summary>How much each stream's <c>MaxStreamLifetime</c> is jittered, either way.</summary>
    internal const double LifetimeJitter = 0.1;

    /// <remarks>
    /// Not an async method: once the checks and the subscription are done (synchronously, with the in-memory log), only
    /// <see cref="StreamAsync"/> waits for the stream's whole life, so an idle stream holds one async state, not three.
    /// </remarks>
    public Task HandleAsync(HttpContext context)
    {
        ValueTask<OpenStream?> opening;
        try
        {
            opening = OpenAsync(context);
        }
        catch (Exception ex)
        {
            return EndpointErrors.FailAsync(context, logger, ex);
        }

        if (!opening.IsCompletedSuccessfully)
        {
            return OpenThenStreamAsync(context, opening);
        }

        return opening.Result is { } open ? StreamAsync(context, open.Id, open.AfterSequence, open.Subscription, open.Options, open.Slot) : Task.CompletedTask;
    }

    private async Task OpenThenStreamAsync(HttpContext context, ValueTask<OpenStream?> opening)
    {
        OpenStream? open;
        try
        {
            open = await opening.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await EndpointErrors.FailAsync(context, logger, ex).ConfigureAwait(false);
            return;
        }

        if (open is not null)
        {
            await StreamAsync(context, open.Id, open.AfterSequence, open.Subscription, open.Options, open.Slot).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Checks the read (token, id, resume point), takes a stream slot and subscribes; answers a refusal, or 204 when the
    /// client has the terminal event already, itself (null then). What it returns the stream releases.
    /// </summary>
    private async ValueTask<OpenStream?> OpenAsync(HttpContext context)
    {
        if (await GenerationAccess.AuthorizeReadAsync(context, logger).ConfigureAwait(false) is not { } id)
        {
            return null;
        }

        if (!RequestValues.TryGetLastEventId(context.Request, out var afterSequence, out var error))
        {
            await Problems.BadRequest(context, logger, error!).ConfigureAwait(false);
            return null;
        }

        var services = context.RequestServices;
        var options = services.GetRequiredService<IOptionsMonitor<IterationStreamingOptions>>().CurrentValue;
        var slot = limiter.TryAcquire(id, options.MaxStreamsPerGeneration, out var open);
        if (slot is null)
        {
            Log.StreamLimitReached(logger, id, open);
            var retryAfter = Math.Max(1, (int)Math.Ceiling(options.RetryInterval.TotalSeconds));
            context.Response.Headers[HeaderNames.RetryAfter] = retryAfter.ToString(CultureInfo.InvariantCulture);
            await Problems.WriteAsync(
                context,
                logger,
                StatusCodes.Status429TooManyRequests,
                $"Generation '{id}' has {open} open streams on this server, the limit (IterationStreaming:MaxStreamsPerGeneration); close one or retry later.").ConfigureAwait(false);
            return null;
        }

        var subscribed = false;
        try
        {
            var engine = services.GetRequiredService<IIterationEngine>();
            EventLogSubscription subscription;
            try
            {
                subscription = await engine.WatchAsync(id, afterSequence, context.RequestAborted).ConfigureAwait(false);
            }
            catch (ArgumentOutOfRangeException)
            {
                await Problems.BadRequest(context, logger, $"The last event id {afterSequence} is ahead of the generation's log.").ConfigureAwait(false);
                return null;
            }

            if (subscription.IsAlreadyComplete)
            {
                await using (subscription.ConfigureAwait(false))
                {
                    // 204 tells EventSource to stop reconnecting: the client has the terminal event already.
                    Log.StreamAlreadyComplete(logger, id);
                    context.Response.StatusCode = StatusCodes.Status204NoContent;
                    context.Response.Headers.CacheControl = "no-store";
                    return null;
                }
            }

            subscribed = true;
            return new OpenStream(id, afterSequence, subscription, options, slot);
        }
        finally
        {
            if (!subscribed)
            {
                slot.Dispose();
            }
        }
    }

    /// <summary>
    /// Writes an open subscription as the response until it ends, then releases <paramref name="slot"/>. Also serves the
    /// multiplexed stream, whose replay slot (<paramref name="afterFirstFlush"/>) is freed once its first burst is out.
    /// </summary>
    internal async Task StreamAsync(
        HttpContext context, string id, long afterSequence, EventLogSubscription subscription, IterationStreamingOptions options, IDisposable slot, IDisposable? afterFirstFlush = null)
    {
        var reason = "client disconnected";
        try
        {
            await using (subscription.ConfigureAwait(false))
            {
                var timeProvider = context.RequestServices.GetRequiredService<TimeProvider>();

                // A stopping host ends its streams at once (clients resume elsewhere) instead of holding shutdown, and
                // every stream ends after its jittered lifetime so that connections rebalance over the instances.
                var stopping = context.RequestServices.GetService<IHostApplicationLifetime>()?.ApplicationStopping ?? CancellationToken.None;
                SseStreamWriter.PrepareResponse(context);
                Log.StreamOpened(logger, id, afterSequence);
                metrics.StreamOpened();
                try
                {
                    var end = await SseStreamWriter.RunAsync(
                        context.Response.BodyWriter,
                        subscription,
                        options.RetryInterval,
                        options.HeartbeatInterval,
                        timeProvider,
                        metrics,
                        Jitter(options.MaxStreamLifetime, LifetimeJitter),
                        stopping,
                        context.RequestAborted,
                        afterFirstFlush).ConfigureAwait(false);
                    reason = end switch
                    {
                        StreamEnd.Terminal => "terminal event written",
                        StreamEnd.HostStopping => "host stopping",
                        StreamEnd.LifetimeReached => "stream lifetime reached",
                        _ => reason,
                    };

                    if (end is StreamEnd.HostStopping or StreamEnd.LifetimeReached && !context.RequestAborted.IsCancellationRequested)
                    {
                        // Watchers of a stopping host reconnect spread over a few seconds, onto the other instances.
                        var retry = end is StreamEnd.HostStopping
                            ? options.RetryInterval + (StoppingReconnectSpread * Random.Shared.NextDouble())
                            : Jitter(options.RetryInterval, LifetimeJitter);
                        await SseStreamWriter.WriteClosingRetryAsync(context.Response.BodyWriter, retry).ConfigureAwait(false);
                    }
                }
                finally
                {
                    // The slot first: whoever sees the stream closed (the metric, the log) may open another at once.
                    slot.Dispose();
                    afterFirstFlush?.Dispose();
                    metrics.StreamClosed();
                    Log.StreamEnded(logger, id, subscription.LastSequence, reason);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && context.RequestAborted.IsCancellationRequested)
        {
            // The client went away.
        }
        catch (Exception ex)
        {
            await EndpointErrors.FailAsync(context, logger, ex).ConfigureAwait(false);
        }
    }

    private static TimeSpan Jitter(TimeSpan value, double fraction) => value * (1 + (fraction * ((2 * Random.Shared.NextDouble()) - 1)));

    /// <summary>A stream ready to be written: its slot and subscription are the stream's to release.</summary>
    private sealed record OpenStream(string Id, long AfterSequence, EventLogSubscription Subscription, IterationStreamingOptions Options, GenerationStreamLimiter.Lease Slot);
}
