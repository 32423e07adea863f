using System.Globalization;
using Iteration.Streaming.AspNetCore.Diagnostics;
using Iteration.Streaming.AspNetCore.Http;
using Iteration.Streaming.AspNetCore.Streams;
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
/// It reads the event log directly, not the engine: any instance that shares the log (and the signing key) can serve
/// any generation's stream. A stream holds one of its generation's <c>MaxStreamsPerGeneration</c> slots on this instance
/// (429 beyond them) and its subscription; both are released however the stream ends.
/// </remarks>
internal sealed class StreamEndpoint(ILogger logger, StreamMetrics metrics, GenerationStreamLimiter limiter)
{
    /// <summary>How far apart the reconnects of a stopping host's watchers are spread, beyond <c>RetryInterval</c>.</summary>
    internal static readonly TimeSpan StoppingReconnectSpread = TimeSpan.FromSeconds(5);

    /// <summary>How much each stream's <c>MaxStreamLifetime</c> is jittered, either way.</summary>
    internal const double LifetimeJitter = 0.1;

    public async Task HandleAsync(HttpContext context)
    {
        if (await GenerationAccess.AuthorizeReadAsync(context, logger).ConfigureAwait(false) is not { } id)
        {
            return;
        }

        if (!RequestValues.TryGetLastEventId(context.Request, out var afterSequence, out var error))
        {
            await Problems.BadRequest(context, logger, error!).ConfigureAwait(false);
            return;
        }

        var services = context.RequestServices;
        var options = services.GetRequiredService<IOptionsMonitor<IterationStreamingOptions>>().CurrentValue;
        using var slot = limiter.TryAcquire(id, options.MaxStreamsPerGeneration, out var open);
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
            return;
        }

        var eventLog = services.GetRequiredService<IGenerationEventLog>();
        EventLogSubscription subscription;
        try
        {
            subscription = await eventLog.SubscribeAsync(id, afterSequence, context.RequestAborted).ConfigureAwait(false);
        }
        catch (ArgumentOutOfRangeException)
        {
            await Problems.BadRequest(context, logger, $"The last event id {afterSequence} is ahead of the generation's log.").ConfigureAwait(false);
            return;
        }

        await using (subscription.ConfigureAwait(false))
        {
            if (subscription.IsAlreadyComplete)
            {
                // 204 tells EventSource to stop reconnecting: the client has the terminal event already.
                Log.StreamAlreadyComplete(logger, id);
                context.Response.StatusCode = StatusCodes.Status204NoContent;
                context.Response.Headers.CacheControl = "no-store";
                return;
            }

            await StreamAsync(context, id, afterSequence, subscription, options, slot).ConfigureAwait(false);
        }
    }

    private async Task StreamAsync(
        HttpContext context, string id, long afterSequence, EventLogSubscription subscription, IterationStreamingOptions options, GenerationStreamLimiter.Lease slot)
    {
        var services = context.RequestServices;
        var timeProvider = services.GetRequiredService<TimeProvider>();

        // A stopping host ends its streams at once (clients resume elsewhere) instead of holding shutdown, and every
        // stream ends after its jittered lifetime so that connections rebalance over the instances.
        var stopping = services.GetService<IHostApplicationLifetime>()?.ApplicationStopping ?? CancellationToken.None;
        using var expiry = new CancellationTokenSource(Jitter(options.MaxStreamLifetime, LifetimeJitter), timeProvider);
        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping, expiry.Token);

        SseStreamWriter.PrepareResponse(context);
        Log.StreamOpened(logger, id, afterSequence);
        metrics.StreamOpened();
        var reason = "client disconnected";
        try
        {
            var terminal = await SseStreamWriter.RunAsync(
                context.Response.BodyWriter,
                subscription,
                options.RetryInterval,
                options.HeartbeatInterval,
                timeProvider,
                metrics,
                lifetime.Token).ConfigureAwait(false);
            reason = terminal ? "terminal event written" : reason;
        }
        catch (Exception ex) when (lifetime.IsCancellationRequested && ex is OperationCanceledException or IOException)
        {
            if (!context.RequestAborted.IsCancellationRequested && (stopping.IsCancellationRequested || expiry.IsCancellationRequested))
            {
                // Watchers of a stopping host reconnect spread over a few seconds, onto the other instances.
                var retry = stopping.IsCancellationRequested
                    ? options.RetryInterval + (StoppingReconnectSpread * Random.Shared.NextDouble())
                    : Jitter(options.RetryInterval, LifetimeJitter);
                await SseStreamWriter.WriteClosingRetryAsync(context.Response.BodyWriter, retry).ConfigureAwait(false);
                reason = stopping.IsCancellationRequested ? "host stopping" : "stream lifetime reached";
            }
        }
        finally
        {
            // The slot first: whoever sees the stream closed (the metric, the log) may open another at once.
            slot.Dispose();
            metrics.StreamClosed();
            Log.StreamEnded(logger, id, subscription.LastSequence, reason);
        }
    }

    private static TimeSpan Jitter(TimeSpan value, double fraction) => value * (1 + (fraction * ((2 * Random.Shared.NextDouble()) - 1)));
}
