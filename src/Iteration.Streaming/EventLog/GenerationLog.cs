using System.Diagnostics.CodeAnalysis;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.EventLog;

/// <summary>
/// The in-memory log of one generation: an ordered array of slots, cursors that read it, and the readers waiting for more.
/// </summary>
/// <remarks>
/// Retention: past <c>maxEvents</c> live entries, the oldest progress tick (an event whose stage repeats the
/// previous one) becomes a tombstone; stage changes, warnings and the terminal event stay. The next live slot
/// remembers the newest evicted entry before it as a <c>replay: snapshot</c> entry, which a cursor that fell into
/// the gap reads first. Every tombstone lies before the oldest live tick, so the slot after an evicted one is live;
/// tombstones are compacted away once they outnumber the live slots.
/// </remarks>
internal sealed class GenerationLog
{
    private static readonly Task<bool> Ended = Task.FromResult(false);

    private readonly Lock _gate = new();
    private readonly int _maxEvents;
    private Slot[] _slots = new Slot[16];
    private int _count;
    private int _live;
    private int _tombstones;
    private int _oldestTickHint;
    private long _lastSequence;
    private EventLogEntry? _latest;
    private EventLogEntry? _terminal;
    private readonly ReaderWakeUps _waiting = new();
    private bool _deleted;

    public GenerationLog(string generationId, int maxEvents)
    {
        GenerationId = generationId;
        _maxEvents = maxEvents;
    }

    public string GenerationId { get; }

    /// <summary>Bumped by each compaction, so cursors know their cached slot index moved.</summary>
    public int Epoch { get; private set; }

    public EventLogEntry? Latest
    {
        get
        {
            lock (_gate)
            {
                return _latest;
            }
        }
    }

    internal int RetainedCount
    {
        get
        {
            lock (_gate)
            {
                return _live;
            }
        }
    }

    public EventLogEntry Append(StreamingProgressEvent progressEvent)
    {
        if (!string.Equals(progressEvent.GenerationId, GenerationId, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The event belongs to generation '{progressEvent.GenerationId}', not '{GenerationId}'.", nameof(progressEvent));
        }

        object? waiting;
        EventLogEntry entry;
        lock (_gate)
        {
            if (_terminal is not null)
            {
                throw new InvalidOperationException(
                    $"Generation '{GenerationId}' already ended with status '{_terminal.Event.Status}' at sequence {_terminal.Sequence}; nothing can be appended after the terminal event.");
            }

            entry = EventLogEntry.Create(_lastSequence + 1, progressEvent);
            var essential = entry.IsTerminal
                || progressEvent.WarningType is not null
                || progressEvent.Error is not null
                || !string.Equals(_latest?.Event.Stage, progressEvent.Stage, StringComparison.Ordinal);

            if (_count == _slots.Length)
            {
                Compact(grow: _tombstones < _count / 2);
            }

            _slots[_count++] = new Slot(entry, essential);
            _live++;
            _lastSequence = entry.Sequence;
            _latest = entry;
            if (entry.IsTerminal)
            {
                _terminal = entry;
            }

            if (_live > _maxEvents)
            {
                EvictOne();
            }

            waiting = _waiting.Take();
        }

        // Waking the readers happens off the appender's thread, a batch at a time: appending stays O(1) in the number of
        // readers, and a burst to many readers goes out as a steady stream.
        ReaderWakeUps.Wake(waiting);

        return entry;
    }

    public LogCursor Subscribe(long afterSequence)
    {
        lock (_gate)
        {
            if (_terminal is not null && afterSequence >= _terminal.Sequence)
            {
                return new LogCursor(this, afterSequence, alreadyComplete: true);
            }

            if (afterSequence > _lastSequence)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(afterSequence),
                    afterSequence,
                    $"The last event id {afterSequence} is ahead of generation '{GenerationId}', whose last event is {_lastSequence}.");
            }

            return new LogCursor(this, afterSequence, alreadyComplete: false);
        }
    }

    /// <summary>Returns the next entry after <paramref name="after"/>, using and updating the cursor's cached slot index.</summary>
    public bool TryReadAfter(long after, ref int index, ref int epoch, [NotNullWhen(true)] out EventLogEntry? entry)
    {
        lock (_gate)
        {
            if (epoch != Epoch || index > _count || (index > 0 && _slots[index - 1].Sequence > after))
            {
                index = FindFirstAfter(after);
                epoch = Epoch;
            }

            while (index < _count && _slots[index].Entry is null)
            {
                index++;
            }

            if (index == _count)
            {
                entry = null;
                return false;
            }

            ref var slot = ref _slots[index];
            if (slot.GapSnapshot is { } gap && gap.Sequence > after)
            {
                entry = gap;
                return true;
            }

            entry = slot.Entry!;
            index++;
            return true;
        }
    }

    /// <summary>
    /// Returns a task that completes (with <see langword="true"/>) when an entry after <paramref name="after"/> exists or
    /// the log is deleted, a completed <see langword="false"/> once it was deleted, or null when an entry exists already.
    /// The task is shared by a batch of the readers waiting on this log (see <see cref="ReaderWakeUps"/>); its
    /// continuations run on the pool thread that wakes the batch.
    /// </summary>
    public Task<bool>? GetWaitTask(long after)
    {
        lock (_gate)
        {
            if (_lastSequence > after)
            {
                return null;
            }

            // Deleted: nothing more will come, and a reader that has read everything ends (false).
            return _deleted ? Ended : _waiting.Register();
        }
    }

    /// <summary>The log was deleted (retention): waiting readers wake up, read what is left and end.</summary>
    public void MarkDeleted()
    {
        object? waiting;
        lock (_gate)
        {
            _deleted = true;
            waiting = _waiting.Take();
        }

        ReaderWakeUps.Wake(waiting);
    }

    private void EvictOne()
    {
        // The newest slot is never evicted: it is the latest state and, at the end, the terminal event.
        var victim = -1;
        for (var i = _oldestTickHint; i < _count - 1; i++)
        {
            if (_slots[i].Entry is not null && !_slots[i].Essential)
            {
                victim = i;
                break;
            }
        }

        if (victim < 0)
        {
            // No live tick anywhere: the next one can only be appended after the newest slot.
            _oldestTickHint = _count - 1;
            for (var i = 0; i < _count - 1; i++)
            {
                if (_slots[i].Entry is not null)
                {
                    victim = i;
                    break;
                }
            }
        }
        else
        {
            _oldestTickHint = victim + 1;
        }

        if (victim < 0)
        {
            return;
        }

        ref var evicted = ref _slots[victim];
        ref var next = ref _slots[victim + 1];
        if (next.GapSnapshot is null || next.GapSnapshot.Sequence < evicted.Sequence)
        {
            next.GapSnapshot = EventLogEntry.Create(
                evicted.Sequence,
                evicted.Entry!.Event with { Replay = StreamingProgressEvent.SnapshotReplay });
        }

        evicted.Entry = null;
        evicted.GapSnapshot = null;
        _live--;
        _tombstones++;
    }

    private void Compact(bool grow)
    {
        var target = grow ? new Slot[_slots.Length * 2] : _slots;
        var write = 0;
        var hintAdjusted = false;
        for (var read = 0; read < _count; read++)
        {
            if (!hintAdjusted && read >= _oldestTickHint)
            {
                _oldestTickHint = write;
                hintAdjusted = true;
            }

            if (_slots[read].Entry is not null)
            {
                target[write++] = _slots[read];
            }
        }

        if (!hintAdjusted)
        {
            _oldestTickHint = write;
        }

        Array.Clear(target, write, target.Length - write);
        _slots = target;
        _count = write;
        _tombstones = 0;
        Epoch++;
    }

    private int FindFirstAfter(long after)
    {
        int lo = 0, hi = _count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_slots[mid].Sequence <= after)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private struct Slot(EventLogEntry entry, bool essential)
    {
        public readonly long Sequence = entry.Sequence;
        public readonly bool Essential = essential;
        public EventLogEntry? Entry = entry;
        public EventLogEntry? GapSnapshot;
    }
}
