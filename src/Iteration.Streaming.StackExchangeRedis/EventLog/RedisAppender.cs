using System.Collections.Concurrent;
using System.Globalization;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.StackExchangeRedis.Connections;
using Iteration.Streaming.StackExchangeRedis.Diagnostics;
using Iteration.Streaming.StackExchangeRedis.Hosting;
using Iteration.Streaming.StackExchangeRedis.Records;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Iteration.Streaming.StackExchangeRedis.EventLog;

/// <summary>
/// Writes this instance's events to Redis, in order per generation, and rides out outages: when Redis does not take an
/// event (unreachable, restarting, failing over), that event and every later one of its generation wait in memory, and
/// one flusher writes them in order once Redis is back. Waiting is bounded by
/// <see cref="IterationStreamingRedisOptions.OutageTimeout"/> and <see cref="IterationStreamingRedisOptions.MaxBufferedEvents"/>:
/// past either, the run's next event is refused with a clear error, so the run fails instead of losing events silently,
/// and its <c>failed</c> event waits behind the others.
/// </summary>
/// <remarks>
/// A retried append that did reach Redis before its connection broke is recognised by the script (same frame at the
/// same id) and not written twice. When Redis answers that a generation this instance is writing does not exist (it
/// restarted without persistence), the generation is restored from what this instance kept (its newest event and, for
/// its own runs, the record and the lease), and the run goes on with the next sequence.
/// </remarks>
internal sealed class RedisAppender : IAsyncDisposable, IDisposable
{
    private readonly RedisConnection _connection;
    private readonly RedisGenerationRecordStore _records;
    private readonly RedisKeys _keys;
    private readonly IterationStreamingRedisOptions _options;
    private readonly IOptionsMonitor<IterationStreamingOptions> _coreOptions;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, GenerationJournal> _journals = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private TaskCompletionSource _work = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _flusher;
    private int _buffered;
    private long _failedRuns;
    private bool _disposed;

    public RedisAppender(
        RedisConnection connection,
        RedisGenerationRecordStore records,
        IOptionsMonitor<IterationStreamingOptions> coreOptions,
        TimeProvider timeProvider,
        ILogger<RedisAppender>? logger = null)
    {
        _connection = connection;
        _records = records;
        _options = connection.Options;
        _keys = new RedisKeys(_options.KeyPrefix);
        _coreOptions = coreOptions;
        _timeProvider = timeProvider;
        _logger = logger ?? (ILogger)NullLogger.Instance;

        // Back from an outage: write what waits at once rather than at the next retry.
        _connection.Restored += Signal;
    }

    /// <summary>
    /// Raised with a generation's id when Redis refused its events because it had already ended: another instance ended
    /// it after this one's lease lapsed. The run here must stop.
    /// </summary>
    public event Action<string>? GenerationLost;

    /// <summary>The outage buffer's state, for the health check.</summary>
    public AppendBufferStatus Status
    {
        get
        {
            var events = 0;
            var generations = 0;
            var failing = 0;
            DateTimeOffset? oldest = null;
            foreach (var journal in _journals.Values)
            {
                lock (journal.Gate)
                {
                    if (journal.Pending.Count == 0)
                    {
                        continue;
                    }

                    generations++;
                    events += journal.Pending.Count;
                    failing += journal.Failure is null ? 0 : 1;
                    oldest = oldest is { } o && o <= journal.BufferingSince ? o : journal.BufferingSince;
                }
            }

            return new AppendBufferStatus(events, generations, failing, oldest, Interlocked.Read(ref _failedRuns));
        }
    }

    /// <summary>Starts the journal of a generation created here: its events may wait out an outage, and Redis losing it restores it.</summary>
    public void Track(string generationId) => _journals[generationId] = new GenerationJournal(generationId);

    /// <summary>Whether events of the generation wait for Redis here.</summary>
    public bool HasPending(string generationId)
    {
        if (!_journals.TryGetValue(generationId, out var journal))
        {
            return false;
        }

        lock (journal.Gate)
        {
            return journal.Pending.Count > 0;
        }
    }

    public async ValueTask<EventLogEntry> AppendAsync(StreamingProgressEvent progressEvent, CancellationToken cancellationToken)
    {
        var id = progressEvent.GenerationId;
        _journals.TryGetValue(id, out var journal);
        long expected = 1;
        if (journal is not null)
        {
            lock (journal.Gate)
            {
                // Behind waiting events, or Redis known to be down: wait in line rather than overtake or block.
                if (journal.Pending.Count > 0 || _connection.IsDown)
                {
                    return Buffer(journal, progressEvent);
                }

                ThrowIfRefused(journal, progressEvent);
                expected = journal.Last + 1;
            }
        }

        var entry = EventLogEntry.Create(expected, progressEvent);
        AppendResult result;
        try
        {
            result = await RunAppendAsync(entry, takeover: false, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (journal is not null && RedisFailures.IsTransient(ex))
        {
            Log.AppendFailed(_logger, id, ex);
            lock (journal.Gate)
            {
                return Buffer(journal, progressEvent);
            }
        }

        switch (result.Code)
        {
            case AppendResult.Appended:
                if (result.Sequence != expected)
                {
                    // Another writer appended meanwhile; the script stored the frame under the assigned id, and
                    // serialising the same event again yields those very bytes.
                    Log.AppendSequenceConflict(_logger, id, expected, result.Sequence);
                    entry = EventLogEntry.Create(result.Sequence, progressEvent);
                }

                OnWritten(journal ?? (entry.IsTerminal ? null : _journals.GetOrAdd(id, static i => new GenerationJournal(i))), entry);
                return entry;
            case AppendResult.Unknown when journal is not null:
                // Redis lost a generation this instance writes: it is restored before this event is written.
                lock (journal.Gate)
                {
                    journal.NeedsRestore = true;
                    return Buffer(journal, progressEvent);
                }

            case AppendResult.Unknown:
                Forget(journal);
                throw new GenerationNotFoundException(id);
            default:
                Forget(journal);
                GenerationLost?.Invoke(id);
                throw new InvalidOperationException(
                    $"Generation '{id}' already ended at sequence {result.Sequence}; nothing can be appended after the terminal event.");
        }
    }

    /// <summary>Runs the append script for <paramref name="entry"/>, as its writer or (<paramref name="takeover"/>) for an instance ending a lost run.</summary>
    internal async Task<AppendResult> RunAppendAsync(EventLogEntry entry, bool takeover, CancellationToken cancellationToken)
    {
        var id = entry.Event.GenerationId;
        var options = _coreOptions.CurrentValue;
        var maxEvents = options.MaxEventsPerGeneration;
        var trimBatch = Math.Clamp(maxEvents / 16, 1, 100);
        var retainMilliseconds = Math.Max(1, (long)options.RetainCompletedFor.TotalMilliseconds);
        var database = await _connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var result = (RedisResult[])(await database.ScriptEvaluateAsync(
                RedisScripts.Append,
                [_keys.Meta(id), _keys.Events(id), _keys.Lease(id)],
                [
                    entry.Sequence,
                    entry.Frame,
                    maxEvents,
                    trimBatch,
                    entry.IsTerminal ? 1 : 0,
                    retainMilliseconds,
                    entry.Event.Status,
                    _timeProvider.GetUtcNow().ToUnixTimeMilliseconds(),
                    takeover ? 1 : 0,
                ])
            .WaitAsync(cancellationToken)
            .ConfigureAwait(false))!;
        return new AppendResult((long)result[0], (long)result[1]);
    }

    /// <summary>
    /// Recreates a generation this instance writes when Redis no longer has it, from the newest event it wrote there and,
    /// for its own runs, the record and the lease. Does nothing when the generation exists or is not written here.
    /// </summary>
    /// <returns>Whether the generation exists now (restored, or found); false when this instance does not write it.</returns>
    public async Task<bool> RestoreAsync(string generationId, CancellationToken cancellationToken)
    {
        if (!_journals.TryGetValue(generationId, out var journal))
        {
            return false;
        }

        EventLogEntry? flushed;
        lock (journal.Gate)
        {
            flushed = journal.Flushed;
        }

        var record = _records.GetOwned(generationId);
        var now = _timeProvider.GetUtcNow();
        var arguments = new List<RedisValue>
        {
            record?.Owner ?? string.Empty,
            RedisGenerationRecordStore.LeaseMilliseconds(_options.LeaseDuration),
            flushed?.Sequence ?? 0,
            flushed is null ? RedisValue.EmptyString : (RedisValue)flushed.Frame,
            (record?.CreatedAt ?? now).ToUnixTimeMilliseconds(),
        };
        if (record is not null)
        {
            arguments.AddRange(RedisGenerationRecordStore.ToFields(record with { Status = flushed?.Event.Status ?? record.Status }));
        }

        var database = await _connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var restored = (long)await database.ScriptEvaluateAsync(
                RedisScripts.Restore,
                [_keys.Meta(generationId), _keys.Events(generationId), _keys.Lease(generationId)],
                [.. arguments])
            .WaitAsync(cancellationToken)
            .ConfigureAwait(false);
        if (restored == 0)
        {
            return true;
        }

        Log.GenerationRestored(_logger, generationId, flushed?.Sequence ?? 0);
        if (record?.Owner is not null)
        {
            await database.SortedSetAddAsync(_keys.Leases, generationId, (now + _options.LeaseDuration).ToUnixTimeMilliseconds()).ConfigureAwait(false);
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        Task? flusher;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            flusher = _flusher;
        }

        _connection.Restored -= Signal;

        await _stopping.CancelAsync().ConfigureAwait(false);
        if (flusher is not null)
        {
            await flusher.ConfigureAwait(false);
        }

        // One last pass for what still waits (say, terminal events of runs ended by the shutdown), bounded in time.
        if (Volatile.Read(ref _buffered) > 0 && !_connection.IsDown)
        {
            using var lastPass = new CancellationTokenSource(_options.ReconnectDelay + TimeSpan.FromSeconds(5), _timeProvider);
            await FlushAllAsync(lastPass.Token).ConfigureAwait(false);
        }

        var abandoned = Volatile.Read(ref _buffered);
        if (abandoned > 0)
        {
            Log.PendingAbandoned(_logger, abandoned);
        }

        _stopping.Dispose();
    }

    /// <summary>Stops without the last flush (a synchronous disposal cannot wait for Redis).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _connection.Restored -= Signal;
        _stopping.Cancel();
        if (Volatile.Read(ref _buffered) is > 0 and var abandoned)
        {
            Log.PendingAbandoned(_logger, abandoned);
        }
    }

    /// <summary>Queues an event behind the waiting ones (the caller holds the journal's lock), or refuses it past the limits.</summary>
    private EventLogEntry Buffer(GenerationJournal journal, StreamingProgressEvent progressEvent)
    {
        ThrowIfRefused(journal, progressEvent);
        var now = _timeProvider.GetUtcNow();
        var first = journal.Pending.Count == 0;
        if (first)
        {
            journal.BufferingSince = now;
        }

        // The terminal event always waits: it is what tells every watcher how the run ended.
        if (!progressEvent.IsTerminal)
        {
            if (Volatile.Read(ref _buffered) >= _options.MaxBufferedEvents)
            {
                Refuse(journal, string.Create(
                    CultureInfo.InvariantCulture,
                    $"Redis is not taking events, and this instance already holds {_options.MaxBufferedEvents} events waiting for it (IterationStreaming:Redis:MaxBufferedEvents). The generation was stopped so that no event is lost silently; the events before this one reach the log once Redis is back."));
            }

            var waited = now - journal.BufferingSince;
            if (waited >= _options.OutageTimeout)
            {
                Refuse(journal, string.Create(
                    CultureInfo.InvariantCulture,
                    $"Redis has not taken this generation's events for {waited.TotalSeconds:0.###} seconds, longer than IterationStreaming:Redis:OutageTimeout ({_options.OutageTimeout}). The generation was stopped so that no event is lost silently; the events before this one reach the log once Redis is back."));
            }
        }

        var entry = EventLogEntry.Create(journal.Last + 1, progressEvent);
        journal.Pending.Enqueue(entry);
        journal.Last = entry.Sequence;
        Interlocked.Increment(ref _buffered);
        if (first)
        {
            Log.AppendsWaiting(_logger, journal.GenerationId);
        }

        Signal();
        return entry;
    }

    private void Refuse(GenerationJournal journal, string reason)
    {
        journal.Failure = reason;
        Interlocked.Increment(ref _failedRuns);
        Log.RunStoppedByOutage(_logger, journal.GenerationId);
        throw new InvalidOperationException(reason);
    }

    private static void ThrowIfRefused(GenerationJournal journal, StreamingProgressEvent progressEvent)
    {
        if (journal.Failure is { } reason && !progressEvent.IsTerminal)
        {
            throw new InvalidOperationException(reason);
        }
    }

    private void OnWritten(GenerationJournal? journal, EventLogEntry entry)
    {
        if (journal is null)
        {
            return;
        }

        lock (journal.Gate)
        {
            journal.Last = Math.Max(journal.Last, entry.Sequence);
            if (journal.Flushed is null || journal.Flushed.Sequence < entry.Sequence)
            {
                journal.Flushed = entry;
            }
        }

        if (entry.IsTerminal)
        {
            Forget(journal);
        }
    }

    private void Forget(GenerationJournal? journal)
    {
        if (journal is null || !_journals.TryRemove(new KeyValuePair<string, GenerationJournal>(journal.GenerationId, journal)))
        {
            return;
        }

        lock (journal.Gate)
        {
            Interlocked.Add(ref _buffered, -journal.Pending.Count);
            journal.Pending.Clear();
        }
    }

    private void Signal()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _flusher ??= Task.Run(FlushLoopAsync);
            _work.TrySetResult();
        }
    }

    private async Task FlushLoopAsync()
    {
        var stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            lock (_gate)
            {
                if (_work.Task.IsCompleted)
                {
                    _work = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }

            try
            {
                var stalled = !await FlushAllAsync(stopping).ConfigureAwait(false);
                Task work;
                lock (_gate)
                {
                    work = _work.Task;
                }

                if (stalled)
                {
                    // Redis is still away: try again when it is back, or shortly (a try costs nothing while it is known down).
                    await Task.WhenAny(work, Task.Delay(_options.ReconnectDelay, _timeProvider, stopping)).ConfigureAwait(false);
                    stopping.ThrowIfCancellationRequested();
                }
                else
                {
                    await work.WaitAsync(stopping).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
        }
    }

    /// <summary>Writes every generation's waiting events, in order. Returns false when some still wait for Redis.</summary>
    private async Task<bool> FlushAllAsync(CancellationToken cancellationToken)
    {
        var done = true;
        foreach (var journal in _journals.Values)
        {
            if (!await FlushAsync(journal, cancellationToken).ConfigureAwait(false))
            {
                done = false;
            }
        }

        return done;
    }

    private async Task<bool> FlushAsync(GenerationJournal journal, CancellationToken cancellationToken)
    {
        var restoresLeft = 2;
        while (true)
        {
            EventLogEntry? head;
            bool restore;
            lock (journal.Gate)
            {
                if (!journal.Pending.TryPeek(out head))
                {
                    return true;
                }

                restore = journal.NeedsRestore;
            }

            if (_connection.IsDown)
            {
                return false;
            }

            try
            {
                if (restore)
                {
                    await RestoreAsync(journal.GenerationId, cancellationToken).ConfigureAwait(false);
                    lock (journal.Gate)
                    {
                        journal.NeedsRestore = false;
                    }
                }

                var result = await RunAppendAsync(head, takeover: false, cancellationToken).ConfigureAwait(false);
                switch (result.Code)
                {
                    case AppendResult.Appended:
                        Written(journal, head, result.Sequence);
                        continue;
                    case AppendResult.Unknown when restoresLeft-- > 0:
                        lock (journal.Gate)
                        {
                            journal.NeedsRestore = true;
                        }

                        continue;
                    case AppendResult.Unknown:
                        return false;
                    default:
                        Log.WaitingEventsDropped(_logger, journal.GenerationId, DropAll(journal));
                        GenerationLost?.Invoke(journal.GenerationId);
                        return true;
                }
            }
            catch (Exception ex) when (RedisFailures.IsTransient(ex) || (ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                return false;
            }
            catch (Exception ex)
            {
                // Not an outage (a refused script, say): retrying would fail forever, so the run is told to stop.
                Log.WaitingEventsFailed(_logger, journal.GenerationId, DropAll(journal), ex);
                GenerationLost?.Invoke(journal.GenerationId);
                return true;
            }
        }
    }

    private void Written(GenerationJournal journal, EventLogEntry head, long sequence)
    {
        if (sequence != head.Sequence)
        {
            Log.AppendSequenceConflict(_logger, journal.GenerationId, head.Sequence, sequence);
            head = EventLogEntry.Create(sequence, head.Event);
        }

        bool drained;
        DateTimeOffset since;
        lock (journal.Gate)
        {
            journal.Pending.Dequeue();
            Interlocked.Decrement(ref _buffered);
            journal.Flushed = head;
            drained = journal.Pending.Count == 0;
            since = journal.BufferingSince;
        }

        if (drained)
        {
            Log.WaitingEventsWritten(_logger, journal.GenerationId, (_timeProvider.GetUtcNow() - since).TotalMilliseconds);
        }

        if (head.IsTerminal)
        {
            Forget(journal);
        }
    }

    private int DropAll(GenerationJournal journal)
    {
        int dropped;
        lock (journal.Gate)
        {
            dropped = journal.Pending.Count;
        }

        Forget(journal);
        return dropped;
    }
}
