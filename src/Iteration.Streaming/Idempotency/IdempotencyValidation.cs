namespace Iteration.Streaming.Idempotency;

/// <summary>The checks every <see cref="IIdempotencyStore"/> applies to an entry before storing it.</summary>
internal static class IdempotencyValidation
{
    /// <summary>The longest key a store accepts: callers hash what they are given.</summary>
    public const int MaxKeyLength = 512;

    public static void ThrowIfInvalid(IdempotencyEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (string.IsNullOrEmpty(entry.Key) || entry.Key.Length > MaxKeyLength)
        {
            throw new ArgumentException($"An idempotency entry's key must be 1 to {MaxKeyLength} characters.", nameof(entry));
        }

        if (string.IsNullOrEmpty(entry.Fingerprint))
        {
            throw new ArgumentException("An idempotency entry needs a fingerprint.", nameof(entry));
        }
    }
}
