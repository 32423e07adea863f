using Iteration.Streaming.EventLog;
using Iteration.Streaming.Sqlite.Storage;

namespace Iteration.Streaming.Sqlite.EventLog;

/// <summary>
/// One generation's log as this process sees it: what is published (durable, visible), a window of the newest entries
/// for live readers, the readers waiting for more; and, for the writer thread alone, where the next append goes.
/// </summary>
/// <remarks>
/// The window holds consecutive entries, every one committed, so a reader inside it never touches the file; a reader
/// behind it reads from the file (<see cref="FeedRead.Behind"/>). The window of an ended generation is dropped when its
/// last reader leaves; its readers then replay from the file.
/// </remarks>
internal sealed class GenerationFeed : IBatchParticipant
{
    private readonly Lock _gate = new();
    private readonly int _windowSize;
    private readonly TaskCompletionSource _deleted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private EventLogEntry?[]? _window;
    private long _windowStart;
    private long _last;
    private long _terminal;
    private EventLogEntry? _latest;
    private readonly ReaderWakeUps _waiting = new();
    private bool _isDeleted;
    private int _readers;
    private WriterState _saved;

    public GenerationFeed(string generationId, long logId, EventLogEntry? latest, long storedCount, int windowSize)
    {
        GenerationId = generationId;
        LogId = logId;
        _windowSize = windowSize;
        _latest = latest;
        _last = latest?.Sequence ?? 0;
        _terminal = latest is { IsTerminal: true } ? latest.Sequence : 0;
        Writer = new WriterState(_last, latest is { IsTerminal: true } ? latest.Event.Status : null, latest?.Event.Stage, storedCount);
    }

    public string GenerationId { get; }

    /// <summary>The log's row id in the file.</summary>
    public long LogId { get; }

    /// <summary>Where the next append goes; read and changed by the writer thread only.</summary>
    public WriterState Writer;

    public int EnlistedIn { get; set; }

    public bool IsDeleted => Volatile.Read(ref _isDeleted);

    /// <summary>Completes when the log is deleted.</summary>
    public Task Deleted => _deleted.Task;

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

    /// <summary>The last published sequence and the terminal one (0: none yet).</summary>
    public (long Last, long Terminal) Position
    {
        get
        {
            lock (_gate)
            {
                return (_last, _terminal);
            }
        }
    }

    /// <summary>Makes a committed entry visible. Entries come in sequence order; one already visible is ignored.</summary>
    public void Publish(EventLogEntry entry)
    {
        lock (_gate)
        {
            if (entry.Sequence <= _last)
            {
                return;
            }

            if (_window is null)
            {
                _window = new EventLogEntry?[_windowSize];
                _windowStart = entry.Sequence;
            }

            _window[entry.Sequence % _windowSize] = entry;
            _last = entry.Sequence;
            _latest = entry;
            if (entry.IsTerminal)
            {
                _terminal = entry.Sequence;
                if (_readers == 0)
                {
                    _window = null;
                }
            }
        }
    }

    /// <summary>Reads the entry after <paramref name="after"/> from the window, or says where it is.</summary>
    public FeedRead TryRead(long after, out EventLogEntry? entry)
    {
        lock (_gate)
        {
            entry = null;
            if (after >= _last)
            {
                return FeedRead.CaughtUp;
            }

            var next = after + 1;
            if (_window is null || next < Math.Max(_windowStart, _last - _windowSize + 1))
            {
                return FeedRead.Behind;
            }

            entry = _window[next % _windowSize];
            return FeedRead.Available;
        }
    }

    /// <summary>
    /// A task that completes when an entry after <paramref name="after"/> is published or the log is deleted, or null when
    /// one is visible (or the log is gone) already. Shared by a batch of the readers waiting on this log.
    /// </summary>
    public Task<bool>? GetWaitTask(long after)
    {
        lock (_gate)
        {
            if (_last > after || _isDeleted)
            {
                return null;
            }

            return _waiting.Register();
        }
    }

    public void AddReader()
    {
        lock (_gate)
        {
            _readers++;
        }
    }

    public void RemoveReader()
    {
        lock (_gate)
        {
            _readers--;
            if (_readers == 0 && _terminal > 0)
            {
                _window = null;
            }
        }
    }

    /// <summary>The log was deleted: waiting readers wake up and end.</summary>
    public void MarkDeleted()
    {
        object? waiting;
        lock (_gate)
        {
            _isDeleted = true;
            waiting = _waiting.Take();
        }

        ReaderWakeUps.Wake(waiting);
        _deleted.TrySetResult();
    }

    void IBatchParticipant.Save() => _saved = Writer;

    void IBatchParticipant.Restore() => Writer = _saved;

    /// <summary>Wakes the readers once per batch, off the writer's thread.</summary>
    void IBatchParticipant.Committed()
    {
        object? waiting;
        lock (_gate)
        {
            waiting = _waiting.Take();
        }

        // A batch of readers at a time, behind the sends the previous batch queued (see ReaderWakeUps).
        ReaderWakeUps.Wake(waiting);
    }

    /// <summary>The writer's view of the log: its last sequence (including this batch's), how it ended, its last stage.</summary>
    internal struct WriterState(long last, string? terminalStatus, string? stage, long storedCount)
    {
        public long Last = last;
        public string? TerminalStatus = terminalStatus;
        public string? Stage = stage;
        public long StoredCount = storedCount;
    }
}

/// <summary>Where the entry a reader wants next is.</summary>
internal enum FeedRead
{
    /// <summary>In the window: returned.</summary>
    Available,

    /// <summary>Published but older than the window: read it from the file.</summary>
    Behind,

    /// <summary>Not published yet: wait.</summary>
    CaughtUp,
}
