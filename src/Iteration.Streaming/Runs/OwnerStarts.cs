namespace Iteration.Streaming.Runs;

/// <summary>
/// Tells this instance's listeners (the owners' multiplexed streams) the moment a user's generation is recorded here, so
/// an owner's stream follows it from its first event without waiting for its next look at the record store (which is
/// how generations started on other instances are found).
/// </summary>
internal sealed class OwnerStarts
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Action<string, DateTimeOffset>[]> _listeners = new(StringComparer.Ordinal);

    /// <summary>Calls <paramref name="onStarted"/> with each new generation of <paramref name="userId"/> (id, creation time) until disposed.</summary>
    /// <remarks>The callback runs on the admitting thread: it must only note the generation and return.</remarks>
    public IDisposable Listen(string userId, Action<string, DateTimeOffset> onStarted)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentNullException.ThrowIfNull(onStarted);
        lock (_gate)
        {
            _listeners[userId] = _listeners.TryGetValue(userId, out var current) ? [.. current, onStarted] : [onStarted];
        }

        return new Subscription(this, userId, onStarted);
    }

    /// <summary>A generation of <paramref name="userId"/> was recorded on this instance.</summary>
    public void Started(string? userId, string generationId, DateTimeOffset createdAt)
    {
        if (userId is null)
        {
            return;
        }

        Action<string, DateTimeOffset>[]? listeners;
        lock (_gate)
        {
            _listeners.TryGetValue(userId, out listeners);
        }

        foreach (var listener in listeners ?? [])
        {
            listener(generationId, createdAt);
        }
    }

    private void Remove(string userId, Action<string, DateTimeOffset> onStarted)
    {
        lock (_gate)
        {
            if (!_listeners.TryGetValue(userId, out var current))
            {
                return;
            }

            var rest = current.Where(l => !ReferenceEquals(l, onStarted)).ToArray();
            if (rest.Length == 0)
            {
                _listeners.Remove(userId);
            }
            else
            {
                _listeners[userId] = rest;
            }
        }
    }

    private sealed class Subscription(OwnerStarts owner, string userId, Action<string, DateTimeOffset> onStarted) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Remove(userId, onStarted);
            }
        }
    }
}
