using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Diagnostics;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Idempotency;
using Iteration.Streaming.Modes;
using Iteration.Streaming.Records;
using Iteration.Streaming.Runs.Recovery;
using Iteration.Streaming.Runs;
using Iteration.Streaming.ScaleOut;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Engine;

/// <summary>
/// The embedded engine: admits runs (new, iterations, retries, and interrupted runs at start) into the
/// <see cref="RunScheduler"/>, which executes them with the <see cref="RunPipeline"/>; answers watch, cancel and
/// snapshot requests from the record store (the status of record), the event log and the file sink. Stopping it
/// interrupts every run: with a durable record store they resume at the next start, otherwise they end cancelled.
/// </summary>
internal sealed class IterationEngine : IIterationEngine, IAsyncDisposable, IDisposable
{
    private readonly IGenerationEventLog _eventLog;
    private readonly IFileSink _fileSink;
    private readonly IGenerationRecordStore _records;
    private readonly IRunCoordinator _coordinator;
    private readonly IGenerationModeSelector _modeSelector;
    private readonly IGenerationIdGenerator _ids;
    private readonly IOptionsMonitor<IterationStreamingOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly RunPipeline _pipeline;
    private readonly RunScheduler _scheduler;
    private readonly IterationStreamingMessages _messages;
    private readonly GenerationStorageHealth _storageHealth;
    private readonly UnstoredEndings _unstoredEndings;
    private readonly RetryClaims _retryClaims;
    private readonly ConcurrentDictionary<string, GenerationRun> _runs = new(StringComparer.Ordinal);
    private int _stopped;

    public IterationEngine(
        IServiceProvider services,
        IGenerationEventLog eventLog,
        IFileSink fileSink,
        IGenerationRecordStore records,
        IGenerationModeSelector modeSelector,
        IGenerationIdGenerator ids,
        IOptionsMonitor<IterationStreamingOptions> options,
        TimeProvider timeProvider,
        EngineMetrics metrics,
        RunDurationHistory history,
        IRunCoordinator coordinator,
        IterationStreamingMessages messages,
        GenerationStorageHealth storageHealth,
        IIdempotencyStore idempotencyStore,
        ILogger<IterationEngine>? logger = null)
    {
        // Fail when the host starts, not on the first request.
        if (services.GetService<IServiceProviderIsService>() is { } isService && !isService.IsService(typeof(IPhaseGenerator)))
        {
            throw NoGenerator();
        }

        _eventLog = eventLog;
        _fileSink = fileSink;
        _records = records;
        _coordinator = coordinator;
        _modeSelector = modeSelector;
        _ids = ids;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _messages = messages;
        _storageHealth = storageHealth;
        _unstoredEndings = new UnstoredEndings(timeProvider);
        _pipeline = new RunPipeline(
            eventLog, fileSink, records, services.GetRequiredService<IServiceScopeFactory>(), options, timeProvider, metrics, history, messages, _unstoredEndings, storageHealth, _logger);
        _scheduler = new RunScheduler(ExecuteAsync, options, metrics, _logger);
        _retryClaims = new RetryClaims(idempotencyStore, records, timeProvider);
    }

    /// <summary>Runs running now, for tests.</summary>
    internal int RunningCount => _scheduler.RunningCount;

    /// <summary>Runs waiting for a slot, for tests.</summary>
    internal int QueuedCount => _scheduler.QueuedCount;

    /// <summary>The ends of runs that storage refused, reported from memory.</summary>
    internal UnstoredEndings UnstoredEndings => _unstoredEndings;

    private bool IsStopped => Volatile.Read(ref _stopped) != 0;

    internal static InvalidOperationException NoGenerator() => new(
        "No IPhaseGenerator is registered: the engine has nothing to generate files with. " +
        "Call services.AddIterationStreaming().AddPhaseGenerator<TGenerator>() with your generator.");

    public async ValueTask<string> StartAsync(GenerationRequest request, CancellationToken cancellationToken = default)
    {
        ThrowIfStopped();
        RequestValidator.Validate(request, _options.CurrentValue);
        var definition = new RunDefinition(request.Prompt, null, null, [.. request.Entities ?? []]) { UserId = request.UserId };
        var run = await AdmitAsync(definition, RunStart.Fresh, source: null, cancellationToken).ConfigureAwait(false);
        return run.GenerationId;
    }

    public async ValueTask<string> IterateAsync(IterationRequest request, CancellationToken cancellationToken = default)
    {
        ThrowIfStopped();
        RequestValidator.Validate(request, _options.CurrentValue);
        var definition = await ResolveParentAsync(request, cancellationToken).ConfigureAwait(false);
        var run = await AdmitAsync(definition, RunStart.Fresh, source: null, cancellationToken).ConfigureAwait(false);
        return run.GenerationId;
    }

    public async ValueTask<string> RetryAsync(RetryRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ThrowIfStopped();
        var id = request.GenerationId;
        if (string.IsNullOrWhiteSpace(id))
        {
            throw new InvalidGenerationRequestException("The generation to retry is required.");
        }

        var old = await CatchUpAsync(await _records.GetAsync(id, cancellationToken).ConfigureAwait(false) ?? throw new GenerationNotFoundException(id), cancellationToken)
            .ConfigureAwait(false);
        if (!GenerationStatus.IsTerminal(old.Status))
        {
            throw new GenerationConflictException($"Generation '{id}' is still {old.Status}; only a failed or cancelled generation can be retried.");
        }

        if (old.Status == GenerationStatus.Completed)
        {
            throw new GenerationConflictException($"Generation '{id}' completed; there is nothing to retry. Start an iteration to change it.");
        }

        // Only phases whose files are still in the sink can be reused.
        var saved = await _fileSink.GetManifestAsync(id, cancellationToken).ConfigureAwait(false) is null ? 0 : old.PhasesSaved;
        var definition = new RunDefinition(old.Prompt, old.ModificationPrompt, old.ParentGenerationId, old.Entities)
        {
            RetryOf = id,
            UserId = request.UserId ?? old.UserId,
        };

        // One live retry per chain and at most MaxRetriesPerGeneration in all, claimed atomically in the shared store.
        var options = _options.CurrentValue;
        var claim = await _retryClaims.ClaimAsync(old, options.MaxRetriesPerGeneration, cancellationToken).ConfigureAwait(false);
        GenerationRun run;
        try
        {
            run = await AdmitAsync(definition, RunStart.Retry, old with { PhasesSaved = saved }, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await claim.ReleaseAsync().ConfigureAwait(false);
            throw;
        }

        await claim.CompleteAsync(run.GenerationId, _timeProvider.GetUtcNow() + options.RetainCompletedFor + TimeSpan.FromDays(1), CancellationToken.None)
            .ConfigureAwait(false);
        return run.GenerationId;
    }

    public ValueTask<GenerationRecord?> GetRecordAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        return _records.GetAsync(generationId, cancellationToken);
    }

    public async IAsyncEnumerable<StreamingProgressEvent> RunAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ThrowIfStopped();
        RequestValidator.Validate(request, _options.CurrentValue);
        var definition = new RunDefinition(request.Prompt, null, null, [.. request.Entities ?? []]) { UserId = request.UserId };
        var run = await AdmitAsync(definition, RunStart.Fresh, source: null, cancellationToken).ConfigureAwait(false);

        var subscription = await WatchAsync(run.GenerationId, 0, CancellationToken.None).ConfigureAwait(false);
        StreamingProgressEvent? terminal = null;
        await using (subscription.ConfigureAwait(false))
        {
            // The run keeps going until its terminal event even after cancellation, so the caller sees how it ended.
            using var registration = cancellationToken.Register(static state =>
            {
                var (engine, cancelled) = ((IterationEngine, GenerationRun))state!;
                _ = engine.CancelRunAsync(cancelled, CancelReason.User);
            }, (this, run));

            try
            {
                while (await subscription.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
                {
                    while (subscription.TryRead(out var entry))
                    {
                        if (entry.IsTerminal)
                        {
                            terminal = entry.Event;
                        }

                        yield return entry.Event;
                    }
                }
            }
            finally
            {
                if (terminal is null)
                {
                    // The caller stopped reading: an inline run belongs to its caller, so it stops too.
                    _ = CancelRunAsync(run, CancelReason.User);
                }
            }
        }

        if (terminal?.Status == GenerationStatus.Cancelled)
        {
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <remarks>
    /// A run of this instance whose end storage refused ends its watchers' subscriptions with that end from memory
    /// (<see cref="UnstoredEndings"/>); a watcher that has it already gets a subscription that is complete.
    /// </remarks>
    public async ValueTask<EventLogSubscription> WatchAsync(string generationId, long afterSequence = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        if (await CurrentUnstoredEndAsync(generationId, cancellationToken).ConfigureAwait(false) is { } ending)
        {
            if (afterSequence >= ending.Sequence)
            {
                return new EndedSubscription(generationId, afterSequence);
            }

            var before = await _eventLog.SubscribeAsync(generationId, afterSequence, cancellationToken).ConfigureAwait(false);
            return new UnstoredEndSubscription(before, _unstoredEndings, CancellationToken.None);
        }

        var subscription = await _eventLog.SubscribeAsync(generationId, afterSequence, cancellationToken).ConfigureAwait(false);
        if (subscription.IsAlreadyComplete)
        {
            return subscription;
        }

        // The pipeline puts an end in the table before it fires the run's signal, and both before the run leaves _runs.
        if (_runs.TryGetValue(generationId, out var run))
        {
            return new UnstoredEndSubscription(subscription, _unstoredEndings, run.EndedUnstored);
        }

        return _unstoredEndings.TryGet(generationId, out _)
            ? new UnstoredEndSubscription(subscription, _unstoredEndings, CancellationToken.None)
            : subscription;
    }

    public async ValueTask<bool> CancelAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        var record = await CatchUpAsync(
            await _records.GetAsync(generationId, cancellationToken).ConfigureAwait(false) ?? throw new GenerationNotFoundException(generationId),
            cancellationToken).ConfigureAwait(false);
        if (GenerationStatus.IsTerminal(record.Status))
        {
            return false;
        }

        if (_runs.TryGetValue(generationId, out var run))
        {
            return await CancelRunAsync(run, CancelReason.User).ConfigureAwait(false);
        }

        // Running on another instance: its owner gets the request and ends it with 'cancelled'.
        if (await _coordinator.RequestCancelAsync(generationId, cancellationToken).ConfigureAwait(false))
        {
            return true;
        }

        // Nobody runs it (interrupted, not resumed here): end it on record.
        var orphan = new GenerationRun(record, RunStart.Resume, default);
        using (orphan)
        {
            await _pipeline.EndUnrunAsync(orphan, GenerationStatus.Cancelled, GenerationStages.Cancelled, _messages.Cancelled(), error: null).ConfigureAwait(false);
        }

        return true;
    }

    public async ValueTask<GenerationSnapshot> GetSnapshotAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        var record = await _records.GetAsync(generationId, cancellationToken).ConfigureAwait(false) ?? throw new GenerationNotFoundException(generationId);

        // An end that storage refused is reported from memory first: the record and the log still say the run goes on.
        var ending = await CurrentUnstoredEndAsync(generationId, cancellationToken).ConfigureAwait(false);
        var latest = ending ?? await LatestAsync(generationId, cancellationToken).ConfigureAwait(false);
        if (ending is not null)
        {
            record = record with { Status = ending.Event.Status };
        }
        else if (latest is { IsTerminal: true } && !GenerationStatus.IsTerminal(record.Status))
        {
            record = await CatchUpAsync(record, cancellationToken).ConfigureAwait(false);
        }

        var manifest = await _fileSink.GetManifestAsync(generationId, cancellationToken).ConfigureAwait(false);
        return new GenerationSnapshot
        {
            GenerationId = generationId,
            Status = record.Status,
            LastEventId = latest?.Sequence ?? 0,
            LastEvent = latest?.Event,
            FileCount = manifest?.Files.Count ?? record.FileCount,
            TotalBytes = manifest?.TotalBytes ?? record.TotalBytes,
            ParentGenerationId = record.ParentGenerationId,
            RetryOf = record.RetryOf,
            Phases = record.Plan?.Select(static p => new PhaseSummary { Phase = p.Number, Name = p.Name }).ToArray(),
            PhasesSaved = record.PhasesSaved,
            CreatedAt = record.CreatedAt,
            EndedAt = record.EndedAt,
        };
    }

    /// <summary>
    /// Admits every generation on record that has no terminal event and that no instance runs: it resumes from its last
    /// saved phase, or ends failed once it was interrupted more than <see cref="IterationStreamingOptions.MaxResumeAttempts"/> times.
    /// </summary>
    /// <returns>How many runs were resumed.</returns>
    internal async Task<int> ResumeInterruptedAsync(CancellationToken cancellationToken)
    {
        var unfinished = await _records.ListUnfinishedAsync(cancellationToken).ConfigureAwait(false);
        var resumed = 0;
        foreach (var record in unfinished)
        {
            if (IsStopped)
            {
                break;
            }

            // Runs of other instances come here by takeover (WatchOrphanedRunsAsync), once their owner is gone.
            if (_runs.ContainsKey(record.GenerationId) || (record.Owner is { } owner && owner != _coordinator.InstanceName))
            {
                continue;
            }

            if (!await _coordinator.TryClaimAsync(record.GenerationId, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            if (await ResumeAsync(record, RunStart.Resume, cancellationToken).ConfigureAwait(false))
            {
                resumed++;
            }
        }

        if (resumed > 0)
        {
            Log.ResumingRuns(_logger, resumed);
        }

        return resumed;
    }

    /// <summary>
    /// Resumes, for as long as the host runs, the runs of other instances that the coordinator brings here because their
    /// owner went away: the same path as a resume after a restart, worded as a takeover.
    /// </summary>
    internal async Task ResumeOrphanedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var id in _coordinator.WatchOrphanedRunsAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    if (_runs.ContainsKey(id))
                    {
                        // Running here already: nothing to take.
                        continue;
                    }

                    if (await _records.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } record && !IsStopped)
                    {
                        await ResumeAsync(record, RunStart.Takeover, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        await _coordinator.HandOverAsync(id, CancellationToken.None).ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The run stays claimed by nobody alive here: its ownership lapses and another instance takes it.
                    Log.TakeoverFailed(_logger, id, ex);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // Stopping (or a coordinator fault) must not fail the host: runs not taken here are taken elsewhere.
            Log.TakeoverWatchFailed(_logger, ex);
        }
    }

    /// <summary>
    /// Continues a generation on record that this instance owns now and that has no terminal event: resumes it from its
    /// last saved phase, or ends it failed past <see cref="IterationStreamingOptions.MaxResumeAttempts"/>.
    /// </summary>
    /// <returns>Whether a run was started.</returns>
    private async Task<bool> ResumeAsync(GenerationRecord record, RunStart start, CancellationToken cancellationToken)
    {
        var settings = _options.CurrentValue;
        if (!await _eventLog.ExistsAsync(record.GenerationId, cancellationToken).ConfigureAwait(false))
        {
            Log.ResumeWithoutLog(_logger, record.GenerationId);
            await _records.UpdateAsync(record.GenerationId, new GenerationRecordUpdate { Status = GenerationStatus.Failed }, CancellationToken.None).ConfigureAwait(false);
            return false;
        }

        // The log is the truth of what happened: an end or a saved phase the record had not caught up with.
        var scan = await RunLogScan.ReadAsync(_eventLog, record.GenerationId, cancellationToken).ConfigureAwait(false);
        if (scan.EndedWith is { } ended)
        {
            await _records.UpdateAsync(record.GenerationId, new GenerationRecordUpdate { Status = ended }, CancellationToken.None).ConfigureAwait(false);
            return false;
        }

        var run = new GenerationRun(record with { PhasesSaved = Math.Max(record.PhasesSaved, scan.PhasesCompleted) }, start, default)
        {
            EarlierPhases = scan.PhaseDurations,
        };

        // Ended unstored here before, and continued now (taken back from another instance): the log is the truth again.
        _unstoredEndings.Remove(record.GenerationId);
        var limitReached = record.Attempts > settings.MaxResumeAttempts;
        if (limitReached || settings.ResumeInterruptedRuns == false)
        {
            var error = limitReached ? _messages.TooManyInterruptions(record.Attempts, settings.MaxResumeAttempts) : _messages.NotResumed();
            if (limitReached)
            {
                Log.ResumeLimitReached(_logger, record.GenerationId, record.Attempts);
            }

            Register(run);
            try
            {
                await _pipeline.EndUnrunAsync(run, GenerationStatus.Failed, GenerationStages.Error, _messages.Failed(run.Record, error), error).ConfigureAwait(false);
            }
            finally
            {
                _runs.TryRemove(new KeyValuePair<string, GenerationRun>(run.GenerationId, run));
                run.Dispose();
            }

            return false;
        }

        Register(run);
        run.Admitted.TrySetResult();
        if (_scheduler.Enqueue(run) < 0)
        {
            // Stopped meanwhile: the run goes to another instance at once.
            _runs.TryRemove(new KeyValuePair<string, GenerationRun>(run.GenerationId, run));
            await _coordinator.HandOverAsync(run.GenerationId, CancellationToken.None).ConfigureAwait(false);
            run.Dispose();
            return false;
        }

        return true;
    }

    /// <summary>
    /// Stops every run (no new ones are admitted): a durable store keeps them to resume at the next start; otherwise
    /// they end cancelled. Completes when every run of this engine has ended here, or when <paramref name="cancellationToken"/> fires.
    /// </summary>
    internal async Task StopAsync(CancellationToken cancellationToken)
    {
        var runs = Stop();
        await Task.WhenAll(runs.Select(static r => r.Finished.Task)).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        var runs = Stop();
        await Task.WhenAll(runs.Select(static r => r.Finished.Task)).ConfigureAwait(false);
    }

    public void Dispose() => _ = Stop();

    private List<GenerationRun> Stop()
    {
        var first = Interlocked.Exchange(ref _stopped, 1) == 0;
        if (!first)
        {
            return [.. _runs.Values];
        }

        var (queued, running) = _scheduler.Stop();
        if (running.Count + queued.Count > 0)
        {
            // Said only when there is something to keep: a host that failed to start (or ran nothing) has nothing to say.
            Log.EngineShuttingDown(_logger, running.Count, queued.Count, _records.IsDurable ? "kept to resume at the next start" : "cancelled");
        }
        foreach (var run in queued)
        {
            _ = EndQueuedAsync(run, CancelReason.Shutdown);
        }

        foreach (var run in running)
        {
            run.TryCancel(CancelReason.Shutdown);
        }

        return [.. _runs.Values];
    }

    /// <summary>
    /// The record, caught up with the log: the terminal event is the commit point of a generation's end, and the record
    /// follows it; when a crash (or a reader racing the run) came in between, the record is brought up to date here.
    /// </summary>
    private async ValueTask<GenerationRecord> CatchUpAsync(GenerationRecord record, CancellationToken cancellationToken)
    {
        if (GenerationStatus.IsTerminal(record.Status) || await LatestAsync(record.GenerationId, cancellationToken).ConfigureAwait(false) is not { IsTerminal: true } latest)
        {
            return record;
        }

        try
        {
            return await _records.UpdateAsync(record.GenerationId, new GenerationRecordUpdate { Status = latest.Event.Status }, CancellationToken.None).ConfigureAwait(false)
                ?? record;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A read must not fail because the repair cannot be written (a full disk): the log says how it ended.
            Log.RecordEndFailed(_logger, record.GenerationId, ex);
            return record with { Status = latest.Event.Status };
        }
    }

    /// <summary>
    /// The end of <paramref name="generationId"/> that this instance reported from memory, unless the log has moved past
    /// it since (the run was cancelled once storage came back, or resumed on another instance): then it is forgotten.
    /// </summary>
    private async ValueTask<EventLogEntry?> CurrentUnstoredEndAsync(string generationId, CancellationToken cancellationToken)
    {
        if (!_unstoredEndings.TryGet(generationId, out var ending))
        {
            return null;
        }

        if (await LatestAsync(generationId, cancellationToken).ConfigureAwait(false) is { } latest && latest.Sequence >= ending.Sequence)
        {
            _unstoredEndings.Remove(generationId);
            return null;
        }

        return ending;
    }

    private async ValueTask<EventLogEntry?> LatestAsync(string generationId, CancellationToken cancellationToken)
    {
        try
        {
            return await _eventLog.GetLatestAsync(generationId, cancellationToken).ConfigureAwait(false);
        }
        catch (GenerationNotFoundException)
        {
            return null;
        }
    }

    private async ValueTask<RunDefinition> ResolveParentAsync(IterationRequest request, CancellationToken cancellationToken)
    {
        var parentId = request.ParentGenerationId;
        var parent = await CatchUpAsync(
            await _records.GetAsync(parentId, cancellationToken).ConfigureAwait(false) ?? throw new GenerationNotFoundException(parentId),
            cancellationToken).ConfigureAwait(false);
        if (!GenerationStatus.IsTerminal(parent.Status))
        {
            throw new GenerationConflictException(
                $"Generation '{parentId}' has not finished (status '{parent.Status}'); iterate on it once it has completed, failed or been cancelled.");
        }

        if (await _fileSink.GetManifestAsync(parentId, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new GenerationConflictException($"Generation '{parentId}' ended with status '{parent.Status}' before saving any files; there is nothing to iterate on.");
        }

        return new RunDefinition(parent.Prompt, request.ModificationPrompt, parentId, parent.Entities) { UserId = request.UserId };
    }

    /// <summary>Records a new generation and hands it to the scheduler; returns once its first event is in the log.</summary>
    /// <param name="definition">What to generate.</param>
    /// <param name="start">How the run begins.</param>
    /// <param name="source">For a retry, the old record (its mode and plan are reused, its saved phases kept).</param>
    /// <param name="cancellationToken">Cancels admission before the generation is recorded.</param>
    private async ValueTask<GenerationRun> AdmitAsync(RunDefinition definition, RunStart start, GenerationRecord? source, CancellationToken cancellationToken)
    {
        _scheduler.EnsureRoom();
        var id = _ids.NewId();
        var mode = source?.Mode ?? await _modeSelector.SelectAsync(
            new GenerationModeSelectionContext { GenerationId = id, ParentGenerationId = definition.ParentGenerationId },
            cancellationToken).ConfigureAwait(false);
        if (mode is null || string.IsNullOrWhiteSpace(mode.GenerationMode))
        {
            throw new InvalidOperationException("The generation mode selector returned no generation mode.");
        }

        var record = new GenerationRecord
        {
            GenerationId = id,
            ParentGenerationId = definition.ParentGenerationId,
            RetryOf = definition.RetryOf,
            Prompt = definition.Prompt,
            ModificationPrompt = definition.ModificationPrompt,
            Entities = definition.Entities,
            UserId = definition.UserId,
            Mode = mode,
            Plan = source?.Plan,
            PhasesSaved = source?.Plan is null ? 0 : source.PhasesSaved,
            Status = GenerationStatus.Queued,
            CreatedAt = _timeProvider.GetUtcNow(),
            Owner = _coordinator.InstanceName,
        };

        // The log first: a shared store keeps the record beside it, and claims the run for this instance with it.
        try
        {
            await _eventLog.CreateAsync(id, CancellationToken.None).ConfigureAwait(false);
            await _records.AddAsync(record, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or InvalidOperationException or ArgumentException))
        {
            // Nothing was admitted: the caller may retry once storage is back (HTTP answers 503).
            Log.AdmissionStorageFailed(_logger, ex);
            _storageHealth.ReportFailure(GenerationStoragePart.Records);
            throw StorageFailures.AdmissionRefused(ex);
        }

        var run = new GenerationRun(record, start, Activity.Current?.Context ?? default);
        Register(run);
        var position = _scheduler.Enqueue(run);
        if (position < 0)
        {
            // Stopped between the check and now: the generation is on record, so end it like any queued run.
            run.Admitted.TrySetResult();
            await EndQueuedAsync(run, CancelReason.Shutdown).ConfigureAwait(false);
            ThrowIfStopped();
        }
        else if (position > 0)
        {
            try
            {
                await _pipeline.AppendQueuedAsync(run, position).ConfigureAwait(false);
            }
            catch (Exception ex) when (StorageFailures.IsStorageFailure(ex))
            {
                // The caller is told now, as for a refused admission: nobody will watch the run, so it does not run.
                Log.AdmissionStorageFailed(_logger, ex);
                _storageHealth.ReportFailure(StorageFailures.PartOf(ex));
                if (_scheduler.TryRemoveQueued(run))
                {
                    _runs.TryRemove(new KeyValuePair<string, GenerationRun>(run.GenerationId, run));
                    await AbandonAsync(run).ConfigureAwait(false);
                    run.Dispose();
                    run.FirstEvent.TrySetResult();
                    run.Finished.TrySetResult();
                }

                throw StorageFailures.AdmissionRefused(ex);
            }
            finally
            {
                run.Admitted.TrySetResult();
            }
        }
        else
        {
            run.Admitted.TrySetResult();
        }

        try
        {
            await run.FirstEvent.Task.ConfigureAwait(false);
        }
        catch (Exception ex) when (StorageFailures.IsStorageFailure(ex))
        {
            // The run ended unstored before its first event, and this caller gets no id: nobody will watch it.
            await AbandonAsync(run).ConfigureAwait(false);
            throw StorageFailures.AdmissionRefused(ex);
        }

        return run;
    }

    /// <summary>
    /// Marks a generation whose start was refused (its caller got no id) as failed on record, so that it is not resumed
    /// at the next start; when storage refuses that too, it resumes then like any unfinished run.
    /// </summary>
    private async Task AbandonAsync(GenerationRun run)
    {
        try
        {
            await _records.UpdateAsync(run.GenerationId, new GenerationRecordUpdate { Status = GenerationStatus.Failed }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.RecordEndFailed(_logger, run.GenerationId, ex);
        }
    }

    private void Register(GenerationRun run)
    {
        run.Ownership = _coordinator.Hold(
            run.GenerationId,
            reason => _ = CancelRunAsync(run, reason == RunSignal.OwnershipLost ? CancelReason.OwnershipLost : CancelReason.User));
        _runs[run.GenerationId] = run;
    }

    /// <summary>The scheduler's work item: the run's whole life on this instance.</summary>
    private async Task ExecuteAsync(GenerationRun run)
    {
        try
        {
            await run.Admitted.Task.ConfigureAwait(false);
            await _pipeline.RunAsync(run).ConfigureAwait(false);
        }
        finally
        {
            _runs.TryRemove(new KeyValuePair<string, GenerationRun>(run.GenerationId, run));
            await HandOverIfInterruptedAsync(run).ConfigureAwait(false);
            run.Dispose();
        }
    }

    /// <summary>Ends a waiting run at once, or fires a running run's token.</summary>
    /// <returns>Whether the run was still going.</returns>
    private async Task<bool> CancelRunAsync(GenerationRun run, CancelReason reason)
    {
        if (_scheduler.TryRemoveQueued(run))
        {
            await EndQueuedAsync(run, reason).ConfigureAwait(false);
            return true;
        }

        // Checked first: a cancelled run may end (and leave) before TryCancel returns.
        var live = _runs.ContainsKey(run.GenerationId);
        run.TryCancel(reason);
        return live;
    }

    private async Task EndQueuedAsync(GenerationRun run, CancelReason reason)
    {
        try
        {
            await run.Admitted.Task.ConfigureAwait(false);
            await _pipeline.EndQueuedAsync(run, reason).ConfigureAwait(false);
        }
        finally
        {
            _runs.TryRemove(new KeyValuePair<string, GenerationRun>(run.GenerationId, run));
            await HandOverIfInterruptedAsync(run).ConfigureAwait(false);
            run.Dispose();
            run.FirstEvent.TrySetResult();
            run.Finished.TrySetResult();
        }
    }

    /// <summary>A run stopped without ending (the host is stopping) goes to another instance now, before this one lets go of it.</summary>
    private async Task HandOverIfInterruptedAsync(GenerationRun run)
    {
        if (!run.Interrupted)
        {
            return;
        }

        try
        {
            await _coordinator.HandOverAsync(run.GenerationId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Not handed over: another instance resumes it once its ownership lapses.
            Log.HandOverFailed(_logger, run.GenerationId, ex);
        }
    }

    private void ThrowIfStopped() => ObjectDisposedException.ThrowIf(IsStopped, this);
}
