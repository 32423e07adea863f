using System.Diagnostics.CodeAnalysis;
using Iteration.Streaming.EventLog;

namespace Iteration.Streaming.Sqlite.EventLog;

/// <summary>
/// A subscription to a <see cref="GenerationFeed"/>: reads the window while it is in it, and batches from the file while
/// it is behind (a replay, a reconnect), then joins the window. Only published entries are ever read.
/// </summary>
internal sealed class SqliteLogCursor : EventLogSubscription
{
    private readonly SqliteGenerationEventLog _log;
    private readonly GenerationFeed _feed;
    private readonly Queue<EventLogEntry> _fromFile = new();
    private long _after;
    private bool _completed;
    private int _disposed;

    private SqliteLogCursor(SqliteGenerationEventLog log, GenerationFeed feed, long afterSequence, bool alreadyComplete)
    {
        _log = log;
        _feed = feed;
        _after = afterSequence;
        IsAlreadyComplete = alreadyComplete;
        _completed = alreadyComplete;
    }

    public override string GenerationId => _feed.GenerationId;

    public override bool IsAlreadyComplete { get; }

    public override long LastSequence => _after;

    /// <summary>A reader of the log from <paramref name="afterSequence"/>.</summary>
    public static SqliteLogCursor Reading(SqliteGenerationEventLog log, GenerationFeed feed, long afterSequence)
    {
        feed.AddReader();
        return new SqliteLogCursor(log, feed, afterSequence, alreadyComplete: false);
    }

    /// <summary>A reader that starts at or past the terminal event: nothing to read.</summary>
    public static SqliteLogCursor Completed(SqliteGenerationEventLog log, GenerationFeed feed, long afterSequence)
    {
        var cursor = new SqliteLogCursor(log, feed, afterSequence, alreadyComplete: true);
        cursor._disposed = 1;
        return cursor;
    }

    public override bool TryRead([NotNullWhen(true)] out EventLogEntry? entry)
    {
        if (!_completed && (_fromFile.TryDequeue(out entry) || _feed.TryRead(_after, out entry) == FeedRead.Available))
        {
            _after = entry!.Sequence;
            _completed = entry.IsTerminal;
            return true;
        }

        entry = null;
        return false;
    }

    public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default)
    {
        if (_completed)
        {
            return ValueTask.FromResult(false);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<bool>(cancellationToken);
        }

        if (_fromFile.Count > 0)
        {
            return ValueTask.FromResult(true);
        }

        return _feed.TryRead(_after, out _) == FeedRead.Available ? ValueTask.FromResult(true) : WaitCoreAsync(cancellationToken);
    }

    public override ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _feed.RemoveReader();
        }

        return base.DisposeAsync();
    }

    private async ValueTask<bool> WaitCoreAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            switch (_feed.TryRead(_after, out _))
            {
                case FeedRead.Available:
                    return true;

                case FeedRead.Behind:
                    await _log.ReadStoredAsync(_feed, _after, _fromFile, cancellationToken).ConfigureAwait(false);
                    if (_fromFile.Count > 0)
                    {
                        return true;
                    }

                    // Published yet gone from the file: the log is being deleted; its readers end.
                    await _feed.Deleted.WaitAsync(cancellationToken).ConfigureAwait(false);
                    return false;

                default:
                    if (_feed.IsDeleted)
                    {
                        return false;
                    }

                    if (_feed.GetWaitTask(_after) is { } wait)
                    {
                        await (cancellationToken.CanBeCanceled ? wait.WaitAsync(cancellationToken) : wait).ConfigureAwait(false);
                    }

                    break;
            }
        }
    }
}
