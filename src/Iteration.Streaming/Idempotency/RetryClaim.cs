namespace Iteration.Streaming.Idempotency;

/// <summary>A retry slot taken by <see cref="RetryClaims"/>: completed with the retry's id once admitted, released otherwise.</summary>
internal sealed class RetryClaim(IIdempotencyStore store, string key, string nonce)
{
    public ValueTask<bool> CompleteAsync(string retryId, DateTimeOffset keepUntil, CancellationToken cancellationToken) =>
        store.CompleteAsync(key, nonce, retryId, keepUntil, cancellationToken);

    public ValueTask<bool> ReleaseAsync() => store.RemoveAsync(key, nonce, CancellationToken.None);
}
