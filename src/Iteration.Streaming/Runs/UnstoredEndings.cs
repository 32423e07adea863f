using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Runs;

/// <summary>
/// The ends of runs that storage refused (stage <c>storage_unavailable</c>), kept in memory so that this instance still
/// tells their watchers: the snapshot and the streams read them before the log. Bounded: at most <see cref="Capacity"/>
/// entries (the oldest goes first) for at most <see cref="Expiry"/> each, on the <see cref="TimeProvider"/>.
/// </summary>
/// <remarks>
/// An entry is the event the run would have ended with, numbered right after the last event the log holds, so a watcher
/// that has it reconnects past the end (204) while this instance remembers it. Nothing of it is stored: at the next start
/// the run, which has no terminal event on record, resumes like any interrupted run; its <c>resumed</c> event takes that
/// number in the log, and what a watcher holding it misses is that one marker, never a phase or a file. An entry whose
/// number the log has reached since (a cancel stored once storage came back, a resume on another instance) is forgotten
/// by the engine when it reads it: the log is the truth again.
/// </remarks>
internal sealed class UnstoredEndings(TimeProvider timeProvider)
{
    /// <summary>The stage of such an end (status <c>failed</c>): <c>storage_unavailable</c>.</summary>
    public const string Stage = GenerationStages.StorageUnavailable;

    public const int Capacity = 1_024;

    public static readonly TimeSpan Expiry = TimeSpan.FromHours(24);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, (EventLogEntry Entry, DateTimeOffset At)> _entries = new(StringComparer.Ordinal);
    private readonly Queue<(string Id, DateTimeOffset At)> _order = new();

    public int Count
    {
        get
        {
            lock (_gate)
            {
                Prune(timeProvider.GetUtcNow());
                return _entries.Count;
            }
        }
    }

    public void Add(EventLogEntry entry)
    {
        var id = entry.Event.GenerationId;
        var now = timeProvider.GetUtcNow();
        lock (_gate)
        {
            _entries[id] = (entry, now);
            _order.Enqueue((id, now));
            Prune(now);
        }
    }

    public bool TryGet(string generationId, out EventLogEntry entry)
    {
        lock (_gate)
        {
            Prune(timeProvider.GetUtcNow());
            if (_entries.TryGetValue(generationId, out var found))
            {
                entry = found.Entry;
                return true;
            }
        }

        entry = null!;
        return false;
    }

    /// <summary>Forgets a generation's entry: its run ended on record after all (resumed and ended here).</summary>
    public void Remove(string generationId)
    {
        lock (_gate)
        {
            _entries.Remove(generationId);
        }
    }

    private void Prune(DateTimeOffset now)
    {
        while (_order.TryPeek(out var oldest) && (_entries.Count > Capacity || now - oldest.At >= Expiry || !IsCurrent(oldest)))
        {
            _order.Dequeue();
            if (IsCurrent(oldest))
            {
                _entries.Remove(oldest.Id);
            }
        }
    }

    // A generation added again has a newer queue entry; its older one only leaves the queue.
    private bool IsCurrent((string Id, DateTimeOffset At) queued) =>
        _entries.TryGetValue(queued.Id, out var entry) && entry.At == queued.At;
}
