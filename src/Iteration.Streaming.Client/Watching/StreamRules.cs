using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Client.Watching;

/// <summary>
/// What every watch of the client decides the same way, whether it follows one generation's stream or a multiplexed
/// one: which failures are worth another attempt, how long the server asks it to wait, and how an event's data is read.
/// </summary>
internal static class StreamRules
{
    // 408, 429 and 5xx may pass; any other error (400, 401, 403, 404, ...) will not go away by retrying.
    public static bool IsRetryable(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    public static bool IsTransient(Exception e, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && e is HttpRequestException or IOException or OperationCanceledException;

    public static string Describe(Exception e, CancellationTokenSource stall) =>
        stall.IsCancellationRequested ? "no bytes arrived within the stall timeout" : e.GetType().Name + ": " + e.Message;

    /// <summary>The server's <c>retry:</c>, capped; <see langword="null"/> while it sent none.</summary>
    public static TimeSpan? ServerRetry(SseParser<StreamingProgressEvent?> parser, TimeSpan max)
    {
        var interval = parser.ReconnectionInterval;
        return interval > TimeSpan.Zero && interval != Timeout.InfiniteTimeSpan
            ? TimeSpan.FromTicks(Math.Min(interval.Ticks, max.Ticks))
            : null;
    }

    /// <summary>A <c>Retry-After</c> delay of a 429 or 503, capped; <see langword="null"/> when there is none.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response, TimeProvider time, TimeSpan max)
    {
        var header = response.Headers.RetryAfter;
        var delay = header?.Delta ?? (header?.Date is { } date ? date - time.GetUtcNow() : null);
        return delay is { } d && d > TimeSpan.Zero
            ? TimeSpan.FromTicks(Math.Min(d.Ticks, max.Ticks))
            : null;
    }

    /// <summary>An event's data as a progress event; <see langword="null"/> when it is not one.</summary>
    public static StreamingProgressEvent? ParseEvent(string eventType, ReadOnlySpan<byte> data)
    {
        try
        {
            return JsonSerializer.Deserialize(data, IterationStreamingJson.StreamingProgressEvent);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
