using Iteration.Streaming.Events;

namespace Iteration.Streaming.EventLog;

/// <summary>
/// The append-only, per-generation event log: assigns sequence numbers, serialises each event once,
/// and lets any number of subscribers replay and tail it.
/// </summary>
/// <remarks>
/// Implementations: in memory (the default) and on Redis Streams (<c>Iteration.Streaming.StackExchangeRedis</c>).
/// All of them pass the same contract tests.
/// </remarks>
public interface IGenerationEventLog
{
    /// <summary>Creates the empty log of a new generation.</summary>
    /// <param name="generationId">The generation's id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="InvalidOperationException">A log for <paramref name="generationId"/> exists already.</exception>
    ValueTask CreateAsync(string generationId, CancellationToken cancellationToken = default);

    /// <summary>Returns whether a log exists (created and not yet removed by retention).</summary>
    /// <param name="generationId">The generation's id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when the log exists.</returns>
    ValueTask<bool> ExistsAsync(string generationId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends an event to the log of <see cref="StreamingProgressEvent.GenerationId"/>, assigning the next sequence number.
    /// </summary>
    /// <param name="progressEvent">The event; nothing in it is changed.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The appended entry.</returns>
    /// <exception cref="GenerationNotFoundException">The generation has no log (never created, or removed).</exception>
    /// <exception cref="InvalidOperationException">The log already holds its terminal event.</exception>
    ValueTask<EventLogEntry> AppendAsync(StreamingProgressEvent progressEvent, CancellationToken cancellationToken = default);

    /// <summary>
    /// Subscribes to a generation's log, starting strictly after <paramref name="afterSequence"/>
    /// (0: from the beginning of what is retained).
    /// </summary>
    /// <param name="generationId">The generation's id.</param>
    /// <param name="afterSequence">The last sequence number the reader has (its <c>Last-Event-ID</c>), or 0.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The subscription; <see cref="EventLogSubscription.IsAlreadyComplete"/> when it starts at or past the terminal event.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="afterSequence"/> is negative, or ahead of the log.</exception>
    /// <exception cref="GenerationNotFoundException">The generation has no log.</exception>
    ValueTask<EventLogSubscription> SubscribeAsync(string generationId, long afterSequence = 0, CancellationToken cancellationToken = default);

    /// <summary>Returns the most recent entry of a generation, or <see langword="null"/> when nothing was appended yet.</summary>
    /// <param name="generationId">The generation's id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The latest entry.</returns>
    /// <exception cref="GenerationNotFoundException">The generation has no log.</exception>
    ValueTask<EventLogEntry?> GetLatestAsync(string generationId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes a generation's log (retention); subscribers already reading keep what they have and see no more events.
    /// </summary>
    /// <param name="generationId">The generation's id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when a log was deleted; <see langword="false"/> when there was none.</returns>
    ValueTask<bool> DeleteAsync(string generationId, CancellationToken cancellationToken = default);
}
