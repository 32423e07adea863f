namespace Iteration.Streaming.Idempotency;

/// <summary>
/// One claimed key in an <see cref="IIdempotencyStore"/>: who holds it (the fingerprint of the request that claimed it),
/// what that request answered once it was done, and until when the key is held.
/// </summary>
public sealed record IdempotencyEntry
{
    /// <summary>The key, as the caller scoped it (at most 512 characters).</summary>
    public required string Key { get; init; }

    /// <summary>What identifies the request that holds the key (a hash of its body, or a claim's own nonce).</summary>
    public required string Fingerprint { get; init; }

    /// <summary>The holder's answer, once it completed; <see langword="null"/> while the holder is still working.</summary>
    public string? Result { get; init; }

    /// <summary>When the key is free again (on the store's clock).</summary>
    public required DateTimeOffset ExpiresAt { get; init; }
}
