using System.Diagnostics.CodeAnalysis;

namespace Iteration.Streaming.EventLog;

/// <summary>
/// A subscription to a <see cref="GenerationLog"/>: the last sequence read and a cached slot index. Allocates nothing per
/// entry, nor per wait without a cancellation token.
/// </summary>
internal sealed class LogCursor : EventLogSubscription
{
    private readonly GenerationLog _log;
    private long _after;
    private int _index;
    private int _epoch = -1;
    private bool _completed;

    public LogCursor(GenerationLog log, long afterSequence, bool alreadyComplete)
    {
        _log = log;
        _after = afterSequence;
        IsAlreadyComplete = alreadyComplete;
        _completed = alreadyComplete;
    }

    public override string GenerationId => _log.GenerationId;

    public override bool IsAlreadyComplete { get; }

    public override long LastSequence => _after;

    public override bool TryRead([NotNullWhen(true)] out EventLogEntry? entry)
    {
        if (_completed || !_log.TryReadAfter(_after, ref _index, ref _epoch, out entry))
        {
            entry = null;
            return false;
        }

        _after = entry.Sequence;
        _completed = entry.IsTerminal;
        return true;
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

        // The log's shared signal is awaited as it is: without a token, waiting allocates nothing.
        var wait = _log.GetWaitTask(_after);
        return wait is null
            ? ValueTask.FromResult(true)
            : new ValueTask<bool>(cancellationToken.CanBeCanceled ? wait.WaitAsync(cancellationToken) : wait);
    }
}
