using System.Globalization;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.StackExchangeRedis.Connections;
using Iteration.Streaming.StackExchangeRedis.Diagnostics;
using Iteration.Streaming.StackExchangeRedis.Hosting;
using Iteration.Streaming.StackExchangeRedis.Records;
using Iteration.Streaming.StackExchangeRedis.Scripts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.StackExchangeRedis.EventLog;

/// <summary>
/// Rides out Redis outages for this instance's runs: an event Redis did not take, and every later one of its
/// generation, wait here in order, and one flusher writes them once Redis is back. Waiting is bounded by
/// <see cref="IterationStreamingRedisOptions.OutageTimeout"/> and <see cref="IterationStreamingRedisOptions.MaxBufferedEvents"/>:
/// past either, the run's next event is refused with a clear error, so the run fails instead of losing events silently,
/// and its <c>failed</c> event waits behind the others. When Redis answers that a generation this instance writes does
/// not exist (it restarted without persistence), the generation is restored from what this instance kept (its newest
/// event and, for its own runs, the record and the lease) before the waiting events are written.
/// </summary>
internal sealed class OutageBuffer : IAsyncDisposable, IDisposable
{
    private readonly RedisConnection _connection;
    private readonly RedisScriptGateway _scripts;
    private readonly GenerationJournals _journals;
    private readonly OwnedRecordCopies _records;
    private readonly IterationStreamingRedisOptions _options;
    private readonly IOptionsMonitor<IterationStreamingOptions> _coreOptions;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private TaskCompletionSource _work = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _flusher;
    private long _failedRuns;
    private bool _disposed;

    public OutageBuffer(
        RedisConnection connection,
        RedisScriptGateway scripts,
        GenerationJournals journals,
        OwnedRecordCopies records,
        IOptionsMonitor<IterationStreamingOptions> coreOptions,
        TimeProvider timeProvider,
        ILogger<OutageBuffer>? logger = null)
    {
        _connection = connection;
        _scripts = scripts;
        _journals = journals;
        _records = records;
        _options = connection.Options;
        _coreOptions = coreOptions;
        _timeProvider = timeProvider;
        _logger = logger ?? (ILogger)NullLogger.Instance;

        // Back from an outage: write what waits at once rather than at the next retry.
        _connection.Restored += Signal;
    }

    /// <summary>The buffer's state, for the health check.</summary>
    public AppendBufferStatus Status
    {
        get
        {
            var events = 0;
            var generations = 0;
            var failing = 0;
            DateTimeOffset? oldest = null;
            foreach (var journal in _journals.All)
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

    /// <summary>Queues an event behind the waiting ones (the caller holds the journal's lock), or refuses it past the limits.</summary>
    public EventLogEntry Buffer(GenerationJournal journal, StreamingProgressEvent progressEvent)
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
            if (_journals.PendingCount >= _options.MaxBufferedEvents)
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
        _journals.Enqueue(journal, entry);
        if (first)
        {
            Log.AppendsWaiting(_logger, journal.GenerationId);
        }

        Signal();
        return entry;
    }

    /// <summary>Refuses every event of a run but its terminal one once an outage went past the limits for it.</summary>
    public static void ThrowIfRefused(GenerationJournal journal, StreamingProgressEvent progressEvent)
    {
        if (journal.Failure is { } reason && !progressEvent.IsTerminal)
        {
            throw new InvalidOperationException(reason);
        }
    }

    /// <summary>
    /// Recreates a generation this instance writes when Redis no longer has it, from the newest event it wrote there and,
    /// for its own runs, the record and the lease. Does nothing when the generation exists or is not written here.
    /// </summary>
    /// <returns>Whether the generation exists now (restored, or found); false when this instance does not write it.</returns>
    public async Task<bool> RestoreAsync(string generationId, CancellationToken cancellationToken)
    {
        if (_journals.Find(generationId) is not { } journal)
        {
            return false;
        }

        EventLogEntry? flushed;
        lock (journal.Gate)
        {
            flushed = journal.Flushed;
        }

        var record = _records.Get(generationId);
        var now = _timeProvider.GetUtcNow();
        if (!await _scripts.RestoreAsync(generationId, flushed, record, now, cancellationToken).ConfigureAwait(false))
        {
            return true;
        }

        Log.GenerationRestored(_logger, generationId, flushed?.Sequence ?? 0);
        if (record?.Owner is not null)
        {
            var database = await _connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
            await database.SortedSetAddAsync(_scripts.Keys.Leases, generationId, (now + _options.LeaseDuration).ToUnixTimeMilliseconds()).ConfigureAwait(false);
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
        if (_journals.PendingCount > 0 && !_connection.IsDown)
        {
            using var lastPass = new CancellationTokenSource(_options.ReconnectDelay + TimeSpan.FromSeconds(5), _timeProvider);
            await FlushAllAsync(lastPass.Token).ConfigureAwait(false);
        }

        if (_journals.PendingCount is > 0 and var abandoned)
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
        if (_journals.PendingCount is > 0 and var abandoned)
        {
            Log.PendingAbandoned(_logger, abandoned);
        }
    }

    private void Refuse(GenerationJournal journal, string reason)
    {
        journal.Failure = reason;
        Interlocked.Increment(ref _failedRuns);
        Log.RunStoppedByOutage(_logger, journal.GenerationId);
        throw new InvalidOperationException(reason);
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
        foreach (var journal in _journals.All)
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

                var result = await _scripts.AppendAsync(head, _coreOptions.CurrentValue.MaxEventsPerGeneration, _timeProvider.GetUtcNow(), cancellationToken)
                    .ConfigureAwait(false);
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
                        // Ended or taken over by another instance meanwhile: the run here is stopped at the next renewal.
                        Log.WaitingEventsDropped(_logger, journal.GenerationId, _journals.Forget(journal));
                        return true;
                }
            }
            catch (Exception ex) when (RedisFailures.IsTransient(ex) || (ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                return false;
            }
            catch (Exception ex)
            {
                // Not an outage (a refused script, say): retrying would fail forever, so the run's next event fails it.
                lock (journal.Gate)
                {
                    journal.Failure = "Redis refused this generation's waiting events; see the server's log.";
                }

                Log.WaitingEventsFailed(_logger, journal.GenerationId, _journals.Forget(journal), ex);
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
            _journals.Dequeue(journal);
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
            _journals.Forget(journal);
        }
    }
}
