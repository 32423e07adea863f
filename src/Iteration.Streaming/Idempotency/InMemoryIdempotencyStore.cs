namespace Iteration.Streaming.Idempotency;

/// <summary>
/// The default <see cref="IIdempotencyStore"/>: one process, nothing kept across a restart. Expired entries are swept
/// when the table has doubled since the last sweep, so it stays bounded by the live keys.
/// </summary>
internal sealed class InMemoryIdempotencyStore(TimeProvider timeProvider) : IIdempotencyStore
{
    private const int MinimumSweepSize = 64;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, IdempotencyEntry> _entries = new(StringComparer.Ordinal);
    private int _sweepAt = MinimumSweepSize;

    public bool IsDurable => false;

    /// <summary>How many entries are held, expired ones not yet swept included (for tests).</summary>
    internal int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    public ValueTask<IdempotencyEntry?> TryAddAsync(IdempotencyEntry entry, CancellationToken cancellationToken = default)
    {
        IdempotencyValidation.ThrowIfInvalid(entry);
        cancellationToken.ThrowIfCancellationRequested();
        var now = timeProvider.GetUtcNow();
        lock (_gate)
        {
            if (_entries.TryGetValue(entry.Key, out var held) && held.ExpiresAt > now)
            {
                return ValueTask.FromResult<IdempotencyEntry?>(held);
            }

            _entries[entry.Key] = entry;
            if (_entries.Count >= _sweepAt)
            {
                Sweep(now);
            }

            return ValueTask.FromResult<IdempotencyEntry?>(null);
        }
    }

    public ValueTask<IdempotencyEntry?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult(Live(key));
        }
    }

    public ValueTask<bool> CompleteAsync(string key, string fingerprint, string result, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(fingerprint);
        ArgumentNullException.ThrowIfNull(result);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (Live(key) is not { } held || !string.Equals(held.Fingerprint, fingerprint, StringComparison.Ordinal))
            {
                return ValueTask.FromResult(false);
            }

            _entries[key] = held with { Result = result, ExpiresAt = expiresAt };
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask<bool> RemoveAsync(string key, string fingerprint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(fingerprint);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult(
                Live(key) is { } held && string.Equals(held.Fingerprint, fingerprint, StringComparison.Ordinal) && _entries.Remove(key));
        }
    }

    private IdempotencyEntry? Live(string key)
    {
        if (!_entries.TryGetValue(key, out var held))
        {
            return null;
        }

        if (held.ExpiresAt > timeProvider.GetUtcNow())
        {
            return held;
        }

        _entries.Remove(key);
        return null;
    }

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (key, held) in _entries)
        {
            if (held.ExpiresAt <= now)
            {
                _entries.Remove(key);
            }
        }

        _sweepAt = Math.Max(MinimumSweepSize, _entries.Count * 2);
    }
}
