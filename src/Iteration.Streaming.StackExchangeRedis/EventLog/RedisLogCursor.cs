using System.Diagnostics.CodeAnalysis;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.StackExchangeRedis.Connections;

namespace Iteration.Streaming.StackExchangeRedis.EventLog;

/// <summary>
/// A subscription to a generation's log in Redis: a position, the instance's shared <see cref="WatchedGeneration"/>
/// for the live part, and a batch read from Redis while it catches up. It never copies the live entries.
/// </summary>
internal sealed class RedisLogCursor : EventLogSubscription
{
    private readonly RedisGenerationEventLog _log;
    private readonly WatchedGeneration? _watch;
    private List<EventLogEntry>? _batch;
    private int _batchIndex;
    private long _after;
    private bool _completed;
    private int _disposed;

    private RedisLogCursor(RedisGenerationEventLog log, string generationId, WatchedGeneration? watch, long afterSequence, bool alreadyComplete)
    {
        _log = log;
        GenerationId = generationId;
        _watch = watch;
        _after = afterSequence;
        IsAlreadyComplete = alreadyComplete;
        _completed = alreadyComplete;
    }

    public override string GenerationId { get; }

    public override bool IsAlreadyComplete { get; }

    public override long LastSequence => _after;

    public static RedisLogCursor Completed(RedisGenerationEventLog log, string generationId, long afterSequence) =>
        new(log, generationId, watch: null, afterSequence, alreadyComplete: true);

    public static RedisLogCursor Watching(RedisGenerationEventLog log, WatchedGeneration watch, long afterSequence) =>
        new(log, watch.GenerationId, watch, afterSequence, alreadyComplete: false);

    public override bool TryRead([NotNullWhen(true)] out EventLogEntry? entry)
    {
        if (!_completed && TryTake(out entry))
        {
            _after = entry.Sequence;
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

        return HasNext() ? ValueTask.FromResult(true) : WaitSlowAsync(cancellationToken);
    }

    public override ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && _watch is not null)
        {
            _log.Release(_watch);
        }

        return base.DisposeAsync();
    }

    private async ValueTask<bool> WaitSlowAsync(CancellationToken cancellationToken)
    {
        var watch = _watch!;
        while (true)
        {
            if (HasNext())
            {
                return true;
            }

            if (watch.IsGone)
            {
                // Redis lost the generation and nobody restored it: the stream ends; a reconnect is told it is unknown.
                _completed = true;
                return false;
            }

            if (watch.KnownLast > _after)
            {
                // Behind the live window (a replay, or a lag past it): read the next batch from Redis.
                List<EventLogEntry> batch;
                try
                {
                    batch = await _log.ReadAfterAsync(watch, _after, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (RedisFailures.IsTransient(ex))
                {
                    // Redis is away for a moment: the stream stays open (heartbeats go on) and reads again.
                    await _log.WaitBeforeRetryAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (batch.Count == 0)
                {
                    // Retention removed the log under this reader; a reconnect will be told the generation is gone.
                    _completed = true;
                    return false;
                }

                _batch = batch;
                _batchIndex = 0;
                return true;
            }

            if (watch.GetWaitTask(_after) is { } wait)
            {
                await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private bool HasNext()
    {
        if (_batch is not null)
        {
            while (_batchIndex < _batch.Count)
            {
                if (_batch[_batchIndex].Sequence > _after)
                {
                    return true;
                }

                _batchIndex++;
            }

            _batch = null;
        }

        return _watch!.TryGetNext(_after, out _);
    }

    private bool TryTake([NotNullWhen(true)] out EventLogEntry? entry)
    {
        if (HasNext() && _batch is not null)
        {
            entry = _batch[_batchIndex++];
            return true;
        }

        return _watch!.TryGetNext(_after, out entry);
    }
}
