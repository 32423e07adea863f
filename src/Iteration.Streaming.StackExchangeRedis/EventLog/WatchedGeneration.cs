using System.Diagnostics.CodeAnalysis;
using Iteration.Streaming.EventLog;
using StackExchange.Redis;

namespace Iteration.Streaming.StackExchangeRedis.EventLog;

/// <summary>
/// One generation that local readers watch on this instance: a bounded window of the newest entries the tail reader
/// delivered, the newest sequence known to exist in Redis, and the local readers waiting for more (woken in batches: see ReaderWakeUps).
/// </summary>
/// <remarks>
/// Readers are cursors: they take entries from the window without copying, and read from Redis instead when they are
/// behind it, so memory stays bounded by the window however slow a reader is.
/// </remarks>
internal sealed class WatchedGeneration
{
    private readonly Lock _gate = new();
    private readonly int _windowCapacity;
    private EventLogEntry[] _window = new EventLogEntry[16];
    private int _head;
    private int _count;
    private long _windowStart;
    private long _tailPosition;
    private RedisValue _tailId;
    private long _knownLast;
    private long _terminal;
    private bool _gone;
    private readonly ReaderWakeUps _waiting = new();

    public WatchedGeneration(string generationId, RedisKey eventsKey, int windowCapacity, long tailFrom)
    {
        GenerationId = generationId;
        EventsKey = eventsKey;
        EventsKeyText = eventsKey.ToString();
        _windowCapacity = windowCapacity;
        _tailPosition = tailFrom;
        _tailId = RedisEntries.Id(tailFrom);
        _knownLast = tailFrom;
    }

    public string GenerationId { get; }

    public RedisKey EventsKey { get; }

    /// <summary>The events key as text, as the tail reader finds it in a reply.</summary>
    public string EventsKeyText { get; }

    /// <summary>Local subscriptions holding this watch; guarded by the tail reader's lock.</summary>
    public int References { get; set; }

    /// <summary>The id of the last stream entry the tail reader has read, readable or not: its next <c>XREAD</c> starts after it.</summary>
    public RedisValue TailId
    {
        get
        {
            lock (_gate)
            {
                return _tailId;
            }
        }
    }

    /// <summary>Whether the tail reader still needs to read this stream (its terminal event is not known yet).</summary>
    public bool NeedsTail
    {
        get
        {
            lock (_gate)
            {
                return _terminal == 0 && !_gone;
            }
        }
    }

    /// <summary>Redis lost the generation before its end and nobody restored it: its readers end instead of waiting forever.</summary>
    public bool IsGone
    {
        get
        {
            lock (_gate)
            {
                return _gone;
            }
        }
    }

    /// <summary>Marks the generation gone and wakes its readers.</summary>
    public void MarkGone()
    {
        object? signal;
        lock (_gate)
        {
            _gone = true;
            signal = TakeSignal();
        }

        ReaderWakeUps.Wake(signal);
    }

    /// <summary>The newest sequence known to exist in Redis.</summary>
    public long KnownLast
    {
        get
        {
            lock (_gate)
            {
                return _knownLast;
            }
        }
    }

    /// <summary>How many entries the window holds now (at most the configured window size).</summary>
    internal int WindowCount
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>Records what a direct read of the generation's meta showed (a subscriber's starting point).</summary>
    public void Observe(long last, long terminal)
    {
        object? signal = null;
        lock (_gate)
        {
            if (terminal > 0)
            {
                _terminal = terminal;
            }

            if (last > _knownLast)
            {
                _knownLast = last;
                signal = TakeSignal();
            }
        }

        ReaderWakeUps.Wake(signal);
    }

    /// <summary>
    /// Adds entries the tail reader read, in order, and moves its position to <paramref name="readThrough"/>, the last
    /// stream entry it read (past any it could not read, so those are not read again); a jump in sequence (trimmed or
    /// unreadable entries) restarts the window. Wakes the readers once for the whole batch.
    /// </summary>
    public void Deliver(List<EventLogEntry> entries, RedisValue readThrough)
    {
        object? signal;
        lock (_gate)
        {
            _tailId = readThrough;
            foreach (var entry in entries)
            {
                if (entry.Sequence <= _tailPosition)
                {
                    continue;
                }

                if (_count > 0 && entry.Sequence != _windowStart + _count)
                {
                    _count = 0;
                    _head = 0;
                }

                if (_count == 0)
                {
                    _windowStart = entry.Sequence;
                }

                Push(entry);
                _tailPosition = Math.Max(_tailPosition, entry.Sequence);
                _knownLast = Math.Max(_knownLast, entry.Sequence);
                if (entry.IsTerminal)
                {
                    _terminal = entry.Sequence;
                }
            }

            signal = TakeSignal();
        }

        ReaderWakeUps.Wake(signal);
    }

    /// <summary>Returns the entry right after <paramref name="after"/> when the window holds it.</summary>
    public bool TryGetNext(long after, [NotNullWhen(true)] out EventLogEntry? entry)
    {
        lock (_gate)
        {
            var offset = after + 1 - _windowStart;
            if (_count == 0 || offset < 0 || offset >= _count)
            {
                entry = null;
                return false;
            }

            entry = _window[(_head + (int)offset) % _window.Length];
            return true;
        }
    }

    /// <summary>A task that completes when something after <paramref name="after"/> is known, or null when it is already.</summary>
    public Task? GetWaitTask(long after)
    {
        lock (_gate)
        {
            if (_knownLast > after || _gone)
            {
                return null;
            }

            return _waiting.Register();
        }
    }

    private void Push(EventLogEntry entry)
    {
        if (_count == _window.Length)
        {
            if (_window.Length < _windowCapacity)
            {
                var grown = new EventLogEntry[Math.Min(_windowCapacity, _window.Length * 2)];
                for (var i = 0; i < _count; i++)
                {
                    grown[i] = _window[(_head + i) % _window.Length];
                }

                _window = grown;
                _head = 0;
            }
            else
            {
                // Full: the oldest entry leaves; readers that still need it read it from Redis.
                _head = (_head + 1) % _window.Length;
                _count--;
                _windowStart++;
            }
        }

        _window[(_head + _count) % _window.Length] = entry;
        _count++;
    }

    private object? TakeSignal() => _waiting.Take();
}
