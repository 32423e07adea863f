using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using Iteration.Streaming.AspNetCore.Diagnostics;
using Iteration.Streaming.EventLog;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Net.Http.Headers;

namespace Iteration.Streaming.AspNetCore.Streams;

/// <summary>
/// Writes one subscription as Server-Sent Events: a <c>retry:</c> line, then each entry's ready frame, flushed once
/// per burst, with a comment heartbeat while idle; it ends right after the terminal event.
/// </summary>
internal static class SseStreamWriter
{
    /// <summary>A burst larger than this is flushed in parts, so a long replay never sits whole in memory.</summary>
    internal const int FlushThresholdBytes = 64 * 1024;

    internal static ReadOnlySpan<byte> Heartbeat => ": heartbeat\n\n"u8;

    /// <summary>Sets the SSE headers and turns off buffering and compression, before anything is written.</summary>
    public static void PrepareResponse(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        var headers = response.Headers;
        headers.CacheControl = "no-cache";
        headers["X-Accel-Buffering"] = "no";
        headers["Referrer-Policy"] = "no-referrer";

        // The response compression middleware compresses nothing that already names a content coding (as ASP.NET
        // Core's own SSE writers do); the HTTPS feature covers a custom provider that honours it.
        headers.ContentEncoding = "identity";
        if (context.Features.Get<IHttpsCompressionFeature>() is { } https)
        {
            https.Mode = HttpsCompressionMode.DoNotCompress;
        }

        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
    }

    /// <summary>Streams until the terminal event, the client leaving or <paramref name="cancellationToken"/>.</summary>
    /// <returns>Whether the terminal event was written.</returns>
    public static async Task<bool> RunAsync(
        PipeWriter writer,
        EventLogSubscription subscription,
        TimeSpan retryInterval,
        TimeSpan heartbeatInterval,
        TimeProvider timeProvider,
        StreamMetrics metrics,
        CancellationToken cancellationToken)
    {
        WriteRetry(writer, retryInterval);
        using var waiter = new StreamWaiter(subscription, heartbeatInterval, timeProvider, cancellationToken);
        while (true)
        {
            var (terminal, written) = await WriteReadyAsync(writer, subscription, metrics, cancellationToken).ConfigureAwait(false);
            var flushed = await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            metrics.EventsWritten(written);
            if (terminal || flushed.IsCompleted || flushed.IsCanceled)
            {
                return terminal;
            }

            if (!await WaitWithHeartbeatAsync(writer, waiter, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
        }
    }

    private static async ValueTask<(bool Terminal, long Written)> WriteReadyAsync(
        PipeWriter writer, EventLogSubscription subscription, StreamMetrics metrics, CancellationToken cancellationToken)
    {
        long pending = 0;
        long written = 0;
        while (subscription.TryRead(out var entry))
        {
            writer.Write(entry.Frame.Span);
            written++;
            if (entry.IsTerminal)
            {
                return (true, written);
            }

            pending += entry.Frame.Length;
            if (pending >= FlushThresholdBytes)
            {
                pending = 0;
                metrics.EventsWritten(written);
                written = 0;
                var flushed = await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (flushed.IsCompleted || flushed.IsCanceled)
                {
                    return (false, 0);
                }
            }
        }

        return (false, written);
    }

    /// <summary>Waits for the next entry, writing a heartbeat each idle interval; false when the stream is over.</summary>
    private static async ValueTask<bool> WaitWithHeartbeatAsync(PipeWriter writer, StreamWaiter waiter, CancellationToken cancellationToken)
    {
        while (true)
        {
            switch (await waiter.WaitAsync().ConfigureAwait(false))
            {
                case StreamWaiter.Wake.Ready:
                    return true;
                case StreamWaiter.Wake.Ended:
                    return false;
                default:
                    writer.Write(Heartbeat);
                    var flushed = await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                    if (flushed.IsCompleted || flushed.IsCanceled)
                    {
                        return false;
                    }

                    break;
            }
        }
    }

    /// <summary>
    /// Writes a last <c>retry:</c> line to a stream the server is closing before its end (the host is stopping, or the
    /// stream reached its lifetime), so the client reconnects after that long; a client already gone is ignored.
    /// </summary>
    public static async Task WriteClosingRetryAsync(PipeWriter writer, TimeSpan retryInterval)
    {
        try
        {
            WriteRetry(writer, retryInterval);
            await writer.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException)
        {
            // The client went away first: it reconnects on its own.
        }
    }

    private static void WriteRetry(PipeWriter writer, TimeSpan retryInterval)
    {
        var line = string.Create(CultureInfo.InvariantCulture, $"retry: {(long)retryInterval.TotalMilliseconds}\n\n");
        var span = writer.GetSpan(line.Length);
        var length = Encoding.ASCII.GetBytes(line, span);
        writer.Advance(length);
    }
}
