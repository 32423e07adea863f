using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.EventLog;

/// <summary>
/// A reader of one generation's event log: a cursor into the shared log plus a wake-up, not a queue.
/// A slow reader only lags; it never blocks the appender. Reading ends right after the terminal event.
/// </summary>
/// <remarks>
/// The shape follows <c>ChannelReader&lt;T&gt;</c>: drain with <see cref="TryRead"/>, then wait with
/// <see cref="WaitToReadAsync"/>, so a writer can flush once per burst. A subscription is for one reader at a time.
/// A wait's continuation may run synchronously on the pool thread that wakes a batch of waiting readers (as a channel's
/// with synchronous continuations allowed): hand long or blocking work off instead of doing it there, or the other
/// readers of the batch wait for it.
/// </remarks>
public abstract class EventLogSubscription : IAsyncDisposable
{
    /// <summary>The generation being read.</summary>
    public abstract string GenerationId { get; }

    /// <summary>
    /// <see langword="true"/> when the subscription started at or after the terminal event: there is nothing to
    /// read and the reader should tell its client to stop (HTTP answers 204).
    /// </summary>
    public abstract bool IsAlreadyComplete { get; }

    /// <summary>The sequence number of the last entry returned by <see cref="TryRead"/> (or the starting point).</summary>
    public abstract long LastSequence { get; }

    /// <summary>Returns the next entry when one is ready, without waiting.</summary>
    /// <param name="entry">The entry.</param>
    /// <returns><see langword="true"/> when an entry was read.</returns>
    public abstract bool TryRead([NotNullWhen(true)] out EventLogEntry? entry);

    /// <summary>
    /// Waits until an entry is ready (<see langword="true"/>) or the terminal event has been read (<see langword="false"/>).
    /// </summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>Whether <see cref="TryRead"/> will return an entry.</returns>
    public abstract ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default);

    /// <summary>Reads every entry until the terminal one, waiting for new ones.</summary>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <returns>The entries, in sequence order.</returns>
    public virtual async IAsyncEnumerable<EventLogEntry> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (TryRead(out var entry))
            {
                yield return entry;
            }
        }
    }

    /// <summary>Reads every event until the terminal one, waiting for new ones.</summary>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <returns>The events, in sequence order.</returns>
    public async IAsyncEnumerable<StreamingProgressEvent> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var entry in ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return entry.Event;
        }
    }

    /// <inheritdoc />
    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}
