namespace Iteration.Streaming.Idempotency;

/// <summary>
/// Atomic claims on keys with an expiry, shared by every instance of the app: the <c>Idempotency-Key</c> header of the
/// HTTP endpoints (the first request's answer is remembered for a day) and the bound on retries (one live retry per
/// generation) are built on it. In memory by default; durable in <c>Iteration.Streaming.Sqlite</c> and shared in
/// <c>Iteration.Streaming.StackExchangeRedis</c>. Every implementation passes the same contract tests.
/// </summary>
/// <remarks>
/// An entry whose <see cref="IdempotencyEntry.ExpiresAt"/> has passed on the store's <see cref="TimeProvider"/> is gone:
/// every method treats it as absent, and the store deletes it on its own (no caller has to sweep).
/// </remarks>
public interface IIdempotencyStore
{
    /// <summary>Whether entries survive a restart of this process.</summary>
    bool IsDurable { get; }

    /// <summary>
    /// Adds <paramref name="entry"/> unless a live entry holds its key; one of any number of concurrent callers wins.
    /// </summary>
    /// <param name="entry">The claim: its key, fingerprint, result (usually none yet) and expiry.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="null"/> when the entry was added; otherwise the live entry that holds the key.</returns>
    ValueTask<IdempotencyEntry?> TryAddAsync(IdempotencyEntry entry, CancellationToken cancellationToken = default);

    /// <summary>Returns the live entry of <paramref name="key"/>, or <see langword="null"/>.</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The entry.</returns>
    ValueTask<IdempotencyEntry?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records the answer of the holder of <paramref name="key"/> and extends its expiry, when the live entry still has
    /// <paramref name="fingerprint"/>.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <param name="fingerprint">The holder's fingerprint.</param>
    /// <param name="result">The answer to remember.</param>
    /// <param name="expiresAt">The new expiry.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Whether the entry was the holder's and is now completed.</returns>
    ValueTask<bool> CompleteAsync(string key, string fingerprint, string result, DateTimeOffset expiresAt, CancellationToken cancellationToken = default);

    /// <summary>Frees <paramref name="key"/> when its live entry has <paramref name="fingerprint"/> (a claim that failed lets go).</summary>
    /// <param name="key">The key.</param>
    /// <param name="fingerprint">The holder's fingerprint.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Whether an entry was removed.</returns>
    ValueTask<bool> RemoveAsync(string key, string fingerprint, CancellationToken cancellationToken = default);
}
