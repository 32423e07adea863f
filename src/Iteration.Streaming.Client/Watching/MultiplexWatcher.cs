using System.Net.ServerSentEvents;
using Iteration.Streaming.Client.Diagnostics;
using Iteration.Streaming.Client.Http;
using Iteration.Streaming.Events;
using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.Client.Watching;

/// <summary>
/// Follows a multiplexed stream (<c>GET /generations/stream</c>) through the <see cref="ReconnectLoop"/>: many
/// generations over one connection, the last SSE id kept as the set's cursor and sent back in <c>Last-Event-ID</c>.
/// </summary>
/// <remarks>
/// The cursor is opaque: the server keeps each member's events in order and exactly once across resumes, so the client
/// only echoes it (and refuses one it could not send back). A watch set ends after every member's terminal event, or
/// when the server answers 204 (every member has ended and been delivered: a member deleted while watched leaves the
/// cursor without one); an owner's stream never ends on its own.
/// </remarks>
internal sealed class MultiplexWatcher(HttpClient http, IterationClientOptions options, TimeProvider time, ILogger logger)
{
    private readonly ReconnectLoop _loop = new(http, options, time);

    public IAsyncEnumerable<StreamingProgressEvent> WatchAsync(MultiplexedStream stream, string? cursor, CancellationToken cancellationToken) =>
        _loop.RunAsync(new Multiplexed(stream, cursor, logger), cancellationToken);

    /// <summary>A multiplexed stream's position: the cursor of the last event taken.</summary>
    private sealed class Multiplexed(MultiplexedStream stream, string? cursor, ILogger logger) : IWatchedStream
    {
        public string EndedEarly => stream.Members is null ? "the stream ended" : "the stream ended before every generation's terminal event";

        public HttpRequestMessage CreateRequest()
        {
            var request = ApiResponses.Authorized(HttpMethod.Get, cursor is null ? stream.StartUrl : stream.ResumeUrl, stream.Token);
            if (cursor is not null)
            {
                request.Headers.TryAddWithoutValidation("Last-Event-ID", cursor);
            }

            return request;
        }

        public bool EndsOnNoContent(out string reason)
        {
            if (stream.Members is not null)
            {
                Log.StreamEnded(logger, stream.Name, "the server answered 204: every generation has ended and been delivered");
                reason = string.Empty;
                return true;
            }

            // An owner's stream waits for the owner's next generation: a 204 is a server that closed early.
            reason = "the server answered 204 to an owner's stream";
            return false;
        }

        public ItemOutcome Accept(SseItem<StreamingProgressEvent?> item, out string? reconnectReason)
        {
            reconnectReason = null;

            // Every event of the stream moves the cursor: one without an id, or with the id already held, could not be
            // resumed past, so yielding it could yield it twice.
            if (string.IsNullOrEmpty(item.EventId) || item.EventId == cursor)
            {
                return ItemOutcome.Skip;
            }

            if (!WatchManyOptions.IsCursor(item.EventId))
            {
                throw new IterationStreamException(
                    $"The multiplexed stream ({stream.Name}) sent an id the client cannot send back as Last-Event-ID (empty, over {WatchManyOptions.MaxCursorLength} characters, or not printable ASCII without spaces).")
                { Cursor = cursor };
            }

            cursor = item.EventId;
            if (item.Data is not { } progress)
            {
                Log.StreamInvalidEvent(logger, stream.Name);
                return ItemOutcome.Advance;
            }

            if (stream.Members is { } members && !members.Contains(progress.GenerationId))
            {
                Log.StreamForeignEvent(logger, stream.Name, progress.GenerationId);
                return ItemOutcome.Advance;
            }

            if (progress.IsTerminal && stream.Members is { } set && set.End(progress.GenerationId))
            {
                Log.StreamEnded(logger, stream.Name, "every generation delivered its terminal event");
                return ItemOutcome.YieldAndEnd;
            }

            return ItemOutcome.Yield;
        }

        public IterationStreamException GiveUp(int failures, string reason, Exception? lastError)
        {
            Log.StreamGaveUp(logger, stream.Name, failures);
            return new IterationStreamException(
                $"Watching the multiplexed stream ({stream.Name}) gave up after {failures} failed attempts in a row ({reason}).",
                lastError) { Cursor = cursor };
        }

        public void Reconnecting(string reason, TimeSpan delay, int failures) => Log.StreamReconnecting(logger, stream.Name, reason, delay, failures);
    }
}
