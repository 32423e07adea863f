using System.Net.ServerSentEvents;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Client.Watching;

/// <summary>What one watch keeps between connections and decides itself, for <see cref="ReconnectLoop"/>.</summary>
internal interface IWatchedStream
{
    /// <summary>Why a stream that ends without the watch's end is retried, as the logs say it.</summary>
    string EndedEarly { get; }

    /// <summary>The next connection's request: its URL, its token and the position to resume from.</summary>
    HttpRequestMessage CreateRequest();

    /// <summary>Whether a 204 ends the watch; otherwise it counts as a failed attempt, for <paramref name="reason"/>.</summary>
    bool EndsOnNoContent(out string reason);

    /// <summary>Takes an event: what the loop does with it, and why it reconnects when it does.</summary>
    ItemOutcome Accept(SseItem<StreamingProgressEvent?> item, out string? reconnectReason);

    /// <summary>The exception the watch ends with after too many failed attempts (logged).</summary>
    IterationStreamException GiveUp(int failures, string reason, Exception? lastError);

    /// <summary>Logs the next attempt.</summary>
    void Reconnecting(string reason, TimeSpan delay, int failures);
}
