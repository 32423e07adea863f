using System.Globalization;
using System.Net.ServerSentEvents;
using Iteration.Streaming.Client.Diagnostics;
using Iteration.Streaming.Client.Http;
using Iteration.Streaming.Events;
using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.Client.Watching;

/// <summary>
/// Watches one generation's stream until its terminal event through the <see cref="ReconnectLoop"/>, resuming with
/// <c>Last-Event-ID</c>, and checks sequence numbers so no event is yielded twice or skipped.
/// </summary>
/// <remarks>
/// Only a terminal status ends a watch: a run at a review gate (<c>awaiting_input</c>) is watched on, through
/// heartbeats and the server's periodic stream closes, for as long as it waits.
/// </remarks>
internal sealed class GenerationWatcher(HttpClient http, IterationClientOptions options, TimeProvider time, ILogger logger)
{
    private readonly ReconnectLoop _loop = new(http, options, time);

    public IAsyncEnumerable<StreamingProgressEvent> WatchAsync(GenerationHandle handle, Uri streamUrl, long lastEventId, CancellationToken cancellationToken) =>
        _loop.RunAsync(new OneGeneration(handle, streamUrl, lastEventId, logger), cancellationToken);

    /// <summary>One generation's position: the sequence of the last event yielded.</summary>
    private sealed class OneGeneration(GenerationHandle handle, Uri streamUrl, long last, ILogger logger) : IWatchedStream
    {
        public string EndedEarly => "the stream ended before the terminal event";

        public HttpRequestMessage CreateRequest()
        {
            var request = ApiResponses.Authorized(HttpMethod.Get, streamUrl, handle.Token);
            if (last > 0)
            {
                request.Headers.TryAddWithoutValidation("Last-Event-ID", last.ToString(CultureInfo.InvariantCulture));
            }

            return request;
        }

        public bool EndsOnNoContent(out string reason)
        {
            Log.AlreadyFinished(logger, handle.GenerationId, last);
            reason = string.Empty;
            return true;
        }

        public ItemOutcome Accept(SseItem<StreamingProgressEvent?> item, out string? reconnectReason)
        {
            reconnectReason = null;
            if (!long.TryParse(item.EventId, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= last)
            {
                // No id (not ours) or one already yielded (a replay overlapping what we have).
                return ItemOutcome.Skip;
            }

            if (id != last + 1 && item.Data?.Replay is null)
            {
                Log.SequenceGap(logger, handle.GenerationId, id, last);
                reconnectReason = $"event {id} arrived after {last}";
                return ItemOutcome.Reconnect;
            }

            last = id;
            if (item.Data is null)
            {
                Log.InvalidEvent(logger, handle.GenerationId, id);
                return ItemOutcome.Advance;
            }

            return item.Data.IsTerminal ? ItemOutcome.YieldAndEnd : ItemOutcome.Yield;
        }

        public IterationStreamException GiveUp(int failures, string reason, Exception? lastError)
        {
            Log.GaveUp(logger, handle.GenerationId, failures, last);
            return new IterationStreamException(
                $"Watching generation '{handle.GenerationId}' gave up after {failures} failed attempts in a row ({reason}); the last event received was {last}.",
                lastError) { LastEventId = last };
        }

        public void Reconnecting(string reason, TimeSpan delay, int failures) => Log.Reconnecting(logger, handle.GenerationId, last, reason, delay, failures);
    }
}
