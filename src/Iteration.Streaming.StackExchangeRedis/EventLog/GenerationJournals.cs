using System.Collections.Concurrent;

namespace Iteration.Streaming.StackExchangeRedis.EventLog;

/// <summary>
/// The journals of the generations this instance writes, and the count of events waiting in them for Redis. The
/// appender starts and reads them, the outage buffer fills and drains them; both go through here so the count stays true.
/// </summary>
internal sealed class GenerationJournals
{
    private readonly ConcurrentDictionary<string, GenerationJournal> _journals = new(StringComparer.Ordinal);
    private int _pending;

    /// <summary>Events waiting for Redis, over every generation.</summary>
    public int PendingCount => Volatile.Read(ref _pending);

    public ICollection<GenerationJournal> All => _journals.Values;

    public GenerationJournal? Find(string generationId) => _journals.GetValueOrDefault(generationId);

    /// <summary>Starts the journal of a generation this instance writes from now on, whose log's last sequence is <paramref name="last"/>.</summary>
    public GenerationJournal Start(string generationId, long last = 0)
    {
        var journal = new GenerationJournal(generationId) { Last = last };
        _journals[generationId] = journal;
        return journal;
    }

    public GenerationJournal GetOrStart(string generationId) => _journals.GetOrAdd(generationId, static id => new GenerationJournal(id));

    /// <summary>Queues an entry behind the waiting ones; the caller holds the journal's lock.</summary>
    public void Enqueue(GenerationJournal journal, Iteration.Streaming.EventLog.EventLogEntry entry)
    {
        journal.Pending.Enqueue(entry);
        journal.Last = entry.Sequence;
        Interlocked.Increment(ref _pending);
    }

    /// <summary>Takes the written head off the queue; the caller holds the journal's lock.</summary>
    public void Dequeue(GenerationJournal journal)
    {
        journal.Pending.Dequeue();
        Interlocked.Decrement(ref _pending);
    }

    /// <summary>Whether events of the generation wait for Redis here.</summary>
    public bool HasPending(string generationId)
    {
        if (Find(generationId) is not { } journal)
        {
            return false;
        }

        lock (journal.Gate)
        {
            return journal.Pending.Count > 0;
        }
    }

    /// <summary>Ends a journal (its terminal event is in Redis, or the generation is no longer written here), dropping what waits.</summary>
    /// <returns>How many waiting events were dropped.</returns>
    public int Forget(GenerationJournal? journal)
    {
        if (journal is null || !_journals.TryRemove(new KeyValuePair<string, GenerationJournal>(journal.GenerationId, journal)))
        {
            return 0;
        }

        lock (journal.Gate)
        {
            var dropped = journal.Pending.Count;
            Interlocked.Add(ref _pending, -dropped);
            journal.Pending.Clear();
            return dropped;
        }
    }
}
