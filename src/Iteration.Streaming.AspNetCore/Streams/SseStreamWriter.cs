using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using Iteration.Streaming.AspNetCore.Diagnostics;
using Iteration.Streaming.AspNetCore.Streams.Multiplex;
using Iteration.Streaming.EventLog;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Net.Http.Headers;

namespace Iteration.Streaming.AspNetCore.Streams;

/// <summary>
/// Writes one subscription as Server-Sent Events: a <c>retry:</c> line, then each entry's ready frame, flushed once
/// per burst, with a comment heartbeat while idle; it ends right after the terminal event. A multiplexed stream
/// (<see cref="MultiplexSubscription"/>) writes each entry with its own cursor as the id, a comment for a member that left,
/// and ends once every member of its set is done.
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

    /// <summary>
    /// Streams until the terminal event, the client leaving (<paramref name="cancellationToken"/>), the host stopping
    /// (<paramref name="stopping"/>) or the stream's <paramref name="lifetime"/>.
    /// </summary>
    /// <returns>Why the stream ended; a client that left ends it with <see cref="OperationCanceledException"/> or <see cref="IOException"/>.</returns>
    /// <remarks>
    /// One async method, its waits inline: an idle stream holds this method's state and its <see cref="StreamWaiter"/>, no
    /// more (every async method still waiting is an object per stream).
    /// </remarks>
    public static async Task<StreamEnd> RunAsync(
        PipeWriter writer,
        EventLogSubscription subscription,
        TimeSpan retryInterval,
        TimeSpan heartbeatInterval,
        TimeProvider timeProvider,
        StreamMetrics metrics,
        TimeSpan? lifetime,
        CancellationToken stopping,
        CancellationToken cancellationToken,
        IDisposable? afterFirstFlush = null)
    {
        WriteRetry(writer, retryInterval);
        using var waiter = new StreamWaiter(subscription, heartbeatInterval, timeProvider, writer, lifetime, stopping, cancellationToken);
        var multiplex = subscription as MultiplexSubscription;
        while (true)
        {
            var (terminal, written, stopped) = await WriteReadyAsync(writer, subscription, multiplex, metrics, cancellationToken).ConfigureAwait(false);
            if (stopped)
            {
                return End(waiter);
            }

            var flushed = await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            metrics.EventsWritten(written);

            // A multiplexed stream's replay slot: held until what its members missed is on its way.
            afterFirstFlush?.Dispose();
            afterFirstFlush = null;
            if (terminal)
            {
                return StreamEnd.Terminal;
            }

            if (flushed.IsCompleted || flushed.IsCanceled)
            {
                return End(waiter);
            }

            // Waits for the next entry, writing a heartbeat each idle interval.
            var wake = await waiter.WaitAsync().ConfigureAwait(false);
            while (wake == StreamWaiter.Wake.Heartbeat)
            {
                writer.Write(Heartbeat);
                flushed = await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (flushed.IsCompleted || flushed.IsCanceled)
                {
                    return End(waiter);
                }

                wake = await waiter.WaitAsync().ConfigureAwait(false);
            }

            switch (wake)
            {
                case StreamWaiter.Wake.Ended:
                    return StreamEnd.ClientGone;
                case StreamWaiter.Wake.HostStopping:
                    return StreamEnd.HostStopping;
                case StreamWaiter.Wake.LifetimeReached:
                    return StreamEnd.LifetimeReached;
            }
        }

        static StreamEnd End(StreamWaiter waiter) => waiter.Closing switch
        {
            StreamWaiter.Wake.HostStopping => StreamEnd.HostStopping,
            StreamWaiter.Wake.LifetimeReached => StreamEnd.LifetimeReached,
            _ => StreamEnd.ClientGone,
        };
    }

    /// <summary>Writes every ready entry, flushing each <see cref="FlushThresholdBytes"/>; stopped when a flush ended the stream.</summary>
    private static async ValueTask<(bool Terminal, long Written, bool Stopped)> WriteReadyAsync(
        PipeWriter writer, EventLogSubscription subscription, MultiplexSubscription? multiplex, StreamMetrics metrics, CancellationToken cancellationToken)
    {
        long pending = 0;
        long written = 0;
        while (true)
        {
            if (multiplex is not null && multiplex.TryTakeLeft(out var left))
            {
                WriteComment(writer, $"generation {left} left the stream: it no longer exists (deleted)");
                continue;
            }

            if (!subscription.TryRead(out var entry))
            {
                break;
            }

            int length;
            bool terminal;
            if (multiplex is null)
            {
                writer.Write(entry.Frame.Span);
                length = entry.Frame.Length;
                terminal = entry.IsTerminal;
            }
            else
            {
                length = multiplex.WriteFrame(writer, entry);
                terminal = multiplex.IsComplete;
            }

            written++;
            if (terminal)
            {
                return (true, written, false);
            }

            pending += length;
            if (pending >= FlushThresholdBytes)
            {
                pending = 0;
                metrics.EventsWritten(written);
                written = 0;
                var flushed = await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (flushed.IsCompleted || flushed.IsCanceled)
                {
                    return (false, 0, true);
                }
            }
        }

        return (false, written, false);
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

    /// <summary>Writes an SSE comment (<c>: text</c>), which EventSource ignores: for people and tools reading the stream.</summary>
    private static void WriteComment(PipeWriter writer, string text)
    {
        var line = ": " + text.ReplaceLineEndings(" ") + "\n\n";
        var span = writer.GetSpan(Encoding.UTF8.GetMaxByteCount(line.Length));
        writer.Advance(Encoding.UTF8.GetBytes(line, span));
    }

    private static void WriteRetry(PipeWriter writer, TimeSpan retryInterval)
    {
        var line = string.Create(CultureInfo.InvariantCulture, $"retry: {(long)retryInterval.TotalMilliseconds}\n\n");
        var span = writer.GetSpan(line.Length);
        var length = Encoding.ASCII.GetBytes(line, span);
        writer.Advance(length);
    }
}

/// <summary>Why a stream ended.</summary>
internal enum StreamEnd
{
    /// <summary>The terminal event was written.</summary>
    Terminal,

    /// <summary>The client left, or the log ended without a terminal event.</summary>
    ClientGone,

    /// <summary>The host is stopping; the client should reconnect (elsewhere).</summary>
    HostStopping,

    /// <summary>The stream reached its lifetime; the client should reconnect.</summary>
    LifetimeReached,
}
