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
using Iteration.Streaming.Runs;
using Iteration.Streaming.Runs.Gates;
using Iteration.Streaming.Runs.Recovery;
using Iteration.Streaming.ScaleOut;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Engine;

/// <summary>
/// The embedded engine's face: turns requests into runs and answers reads. Each step of a run's life lives in its own
/// type under <see cref="Runs"/>: <see cref="RunAdmission"/> brings runs to the <see cref="RunScheduler"/>, which runs
/// them with the <see cref="RunPipeline"/>; <see cref="RunRegistry"/> holds them and cleans up after each;
/// <see cref="RunRecovery"/> continues interrupted ones; <see cref="GateKeeper"/> takes their users' input at review
/// gates. Stopping the engine interrupts every run: with a durable record store they resume at the next start,
/// otherwise they end cancelled.
/// </summary>
internal sealed class IterationEngine : IIterationEngine, IAsyncDisposable, IDisposable
{
    private readonly IGenerationEventLog _eventLog;
    private readonly IFileSink _fileSink;
    private readonly IGenerationRecordStore _records;
    private readonly IRunCoordinator _coordinator;
    private readonly IOptionsMonitor<IterationStreamingOptions> _options;
    private readonly ILogger _logger;
    private readonly RunScheduler _scheduler;
    private readonly RunRegistry _registry;
    private readonly RunAdmission _admission;
    private readonly RunGates _gates;
    private readonly GateKeeper _gateKeeper;
    private readonly GenerationReads _reads;
    private readonly RetryClaims _retryClaims;
    private readonly TimeProvider _timeProvider;
    private readonly IterationStreamingMessages _messages;
    private readonly RunPipeline _pipeline;
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
            throw new InvalidOperationException(IterationStreamingMessages.NoGenerator);
        }

        (_eventLog, _fileSink, _records, _coordinator, _options, _timeProvider) = (eventLog, fileSink, records, coordinator, options, timeProvider);
        _logger = logger ?? (ILogger)NullLogger.Instance;
        UnstoredEndings = new UnstoredEndings(timeProvider);
        var events = new RunEvents(eventLog, options, timeProvider, messages, _logger);
        var ending = new RunEnding(eventLog, records, events, timeProvider, metrics, history, messages, UnstoredEndings, storageHealth, _logger);
        _gates = new RunGates(records, events, options, timeProvider, messages, _logger);
        var stages = new RunStages(
            eventLog,
            fileSink,
            records,
            events,
            new PhaseRunner(fileSink, records, events, timeProvider, metrics, messages, _logger),
            _gates,
            new RunFinish(fileSink, records, events, timeProvider, messages, _logger),
            history,
            messages,
            _logger);
        _messages = messages;
        var pipeline = _pipeline = new RunPipeline(stages, ending, events, services.GetRequiredService<IServiceScopeFactory>(), options, timeProvider, metrics, _logger);
        _registry = new RunRegistry(coordinator, _logger);
        _scheduler = new RunScheduler(ExecuteAsync, options, metrics, _logger);
        _admission = new RunAdmission(eventLog, records, coordinator, modeSelector, ids, _scheduler, _registry, pipeline, events, timeProvider, storageHealth, _logger)
        {
            OnSignal = OnSignal,
        };
        _gateKeeper = new GateKeeper(eventLog, records, fileSink, coordinator, _registry, _admission, _gates, events, options, timeProvider, messages, _logger)
        {
            CancelRunning = CancelAsync,
        };
        Recovery = new RunRecovery(eventLog, records, coordinator, _registry, _admission, _gates, _gateKeeper, events, options, messages, () => IsStopped, _logger);
        Deadlines = new GateDeadlines(records, _gateKeeper, options, timeProvider, _logger);
        _reads = new GenerationReads(eventLog, records, fileSink, UnstoredEndings, _logger);
        _retryClaims = new RetryClaims(idempotencyStore, records, timeProvider);
    }

    /// <summary>Continues interrupted runs at start and runs taken over while the host runs.</summary>
    internal RunRecovery Recovery { get; }

    /// <summary>Ends generations nobody answered at a review gate.</summary>
    internal GateDeadlines Deadlines { get; }

    /// <summary>The ends of runs that storage refused, reported from memory.</summary>
    internal UnstoredEndings UnstoredEndings { get; }

    internal int RunningCount => _scheduler.RunningCount;

    internal int QueuedCount => _scheduler.QueuedCount;

    private bool IsStopped => Volatile.Read(ref _stopped) != 0;

    public async ValueTask<string> StartAsync(GenerationRequest request, CancellationToken cancellationToken = default)
    {
        ThrowIfStopped();
        RequestValidator.Validate(request, _options.CurrentValue);
        var definition = new RunDefinition(request.Prompt, null, null, [.. request.Entities ?? []]) { UserId = request.UserId };
        return (await _admission.AdmitAsync(definition, RunStart.Fresh, null, Steering(request.Review), cancellationToken).ConfigureAwait(false)).GenerationId;
    }

    public async ValueTask<string> IterateAsync(IterationRequest request, CancellationToken cancellationToken = default)
    {
        ThrowIfStopped();
        RequestValidator.Validate(request, _options.CurrentValue);
        var parent = await _reads.GetCaughtUpAsync(request.ParentGenerationId, cancellationToken).ConfigureAwait(false);
        if (!GenerationStatus.IsTerminal(parent.Status))
        {
            throw new GenerationConflictException(
                $"Generation '{parent.GenerationId}' has not finished (status '{parent.Status}'); iterate on it once it has completed, failed or been cancelled.");
        }

        if (await _fileSink.GetManifestAsync(parent.GenerationId, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new GenerationConflictException($"Generation '{parent.GenerationId}' ended with status '{parent.Status}' before saving any files; there is nothing to iterate on.");
        }

        var definition = new RunDefinition(parent.Prompt, request.ModificationPrompt, parent.GenerationId, parent.Entities) { UserId = request.UserId };
        return (await _admission.AdmitAsync(definition, RunStart.Fresh, null, Steering(request.Review), cancellationToken).ConfigureAwait(false)).GenerationId;
    }

    public async ValueTask<string> RetryAsync(RetryRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ThrowIfStopped();
        if (string.IsNullOrWhiteSpace(request.GenerationId))
        {
            throw new InvalidGenerationRequestException("The generation to retry is required.");
        }

        RequestValidator.ValidateReview(request.Review, _options.CurrentValue);
        var old = await _reads.GetCaughtUpAsync(request.GenerationId, cancellationToken).ConfigureAwait(false);
        if (old.Status != GenerationStatus.Failed && old.Status != GenerationStatus.Cancelled)
        {
            throw new GenerationConflictException(old.Status == GenerationStatus.Completed
                ? $"Generation '{old.GenerationId}' completed; there is nothing to retry. Start an iteration to change it."
                : $"Generation '{old.GenerationId}' is still {old.Status}; only a failed or cancelled generation can be retried.");
        }

        // Only phases whose files are still in the sink can be reused.
        var saved = await _fileSink.GetManifestAsync(old.GenerationId, cancellationToken).ConfigureAwait(false) is null ? 0 : old.PhasesSaved;
        var definition = RunDefinition.From(old) with { RetryOf = old.GenerationId, UserId = request.UserId ?? old.UserId };

        // One live retry per chain and at most MaxRetriesPerGeneration in all, claimed atomically in the shared store.
        var options = _options.CurrentValue;
        var claim = await _retryClaims.ClaimAsync(old, options.MaxRetriesPerGeneration, cancellationToken).ConfigureAwait(false);
        GenerationRun run;
        try
        {
            run = await _admission.AdmitAsync(definition, RunStart.Retry, old with { PhasesSaved = saved }, Steering(request.Review), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await claim.ReleaseAsync().ConfigureAwait(false);
            throw;
        }

        await claim.CompleteAsync(run.GenerationId, _timeProvider.GetUtcNow() + options.RetainCompletedFor + TimeSpan.FromDays(1), CancellationToken.None).ConfigureAwait(false);
        return run.GenerationId;
    }

    public ValueTask<GenerationRecord?> GetRecordAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        return _records.GetAsync(generationId, cancellationToken);
    }

    public async IAsyncEnumerable<StreamingProgressEvent> RunAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var id = await StartAsync(request, cancellationToken).ConfigureAwait(false);
        var subscription = await WatchAsync(id, 0, CancellationToken.None).ConfigureAwait(false);
        StreamingProgressEvent? terminal = null;
        await using (subscription.ConfigureAwait(false))
        {
            // The run keeps going until its terminal event even after cancellation, so the caller sees how it ended.
            using var registration = cancellationToken.Register(() => _ = CancelAsync(id, CancellationToken.None).AsTask());
            try
            {
                while (await subscription.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
                {
                    while (subscription.TryRead(out var entry))
                    {
                        terminal = entry.IsTerminal ? entry.Event : terminal;
                        yield return entry.Event;
                    }
                }
            }
            finally
            {
                if (terminal is null)
                {
                    // The caller stopped reading: an inline run belongs to its caller, so it stops too.
                    _ = CancelAsync(id, CancellationToken.None).AsTask();
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
        if (await _reads.CurrentUnstoredEndAsync(generationId, cancellationToken).ConfigureAwait(false) is { } ending)
        {
            if (afterSequence >= ending.Sequence)
            {
                return new EndedSubscription(generationId, afterSequence);
            }

            var before = await _eventLog.SubscribeAsync(generationId, afterSequence, cancellationToken).ConfigureAwait(false);
            return new UnstoredEndSubscription(before, UnstoredEndings, CancellationToken.None);
        }

        var subscription = await _eventLog.SubscribeAsync(generationId, afterSequence, cancellationToken).ConfigureAwait(false);
        if (subscription.IsAlreadyComplete)
        {
            return subscription;
        }

        // The pipeline puts an end in the table before it fires the run's signal, and both before the run leaves the registry.
        if (_registry.TryGet(generationId, out var run))
        {
            return new UnstoredEndSubscription(subscription, UnstoredEndings, run.EndedUnstored);
        }

        return UnstoredEndings.TryGet(generationId, out _)
            ? new UnstoredEndSubscription(subscription, UnstoredEndings, CancellationToken.None)
            : subscription;
    }

    public async ValueTask<bool> CancelAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        var record = await _reads.GetCaughtUpAsync(generationId, cancellationToken).ConfigureAwait(false);
        if (GenerationStatus.IsTerminal(record.Status))
        {
            return false;
        }

        if (record.Status == GenerationStatus.AwaitingInput && record.Steering?.Ending is null)
        {
            // Waiting at a gate: nobody runs it, so the cancel is an input like any other (exactly once across instances).
            await _gateKeeper.SendAsync(generationId, new GenerationInputRequest { Action = InputActions.Cancel }, cancellationToken).ConfigureAwait(false);
            return true;
        }

        if (_registry.TryGet(generationId, out var run))
        {
            return await CancelRunAsync(run, CancelReason.User).ConfigureAwait(false);
        }

        // Running on another instance: its owner gets the request and ends it with 'cancelled'.
        if (await _coordinator.RequestCancelAsync(generationId, cancellationToken).ConfigureAwait(false))
        {
            return true;
        }

        // Nobody runs it (interrupted, not resumed here): end it on record.
        await _admission.EndHeldAsync(new GenerationRun(record, RunStart.Resume, default), RunOutcome.Cancelled(_messages.Cancelled()), hold: false).ConfigureAwait(false);
        return true;
    }

    public ValueTask<GenerationSnapshot> GetSnapshotAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        return _reads.GetSnapshotAsync(generationId, cancellationToken);
    }

    public ValueTask<GenerationInputAccepted> SendInputAsync(string generationId, GenerationInputRequest input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        ArgumentNullException.ThrowIfNull(input);
        ThrowIfStopped();
        return _gateKeeper.SendAsync(generationId, input, cancellationToken);
    }

    internal Task<int> ResumeInterruptedAsync(CancellationToken cancellationToken) => Recovery.ResumeInterruptedAsync(cancellationToken);

    internal Task ResumeOrphanedAsync(CancellationToken cancellationToken) => Recovery.ResumeOrphanedAsync(cancellationToken);

    /// <summary>
    /// Stops every run (no new ones are admitted): a durable store keeps them to resume at the next start; otherwise
    /// they end cancelled. Completes when every run of this engine has ended here, or when <paramref name="cancellationToken"/> fires.
    /// </summary>
    internal async Task StopAsync(CancellationToken cancellationToken) =>
        await Task.WhenAll(Stop().Select(static r => r.Finished.Task)).WaitAsync(cancellationToken).ConfigureAwait(false);

    public async ValueTask DisposeAsync() => await Task.WhenAll(Stop().Select(static r => r.Finished.Task)).ConfigureAwait(false);

    public void Dispose() => _ = Stop();

    private List<GenerationRun> Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return [.. _registry.Runs];
        }

        var (queued, running) = _scheduler.Stop();
        if (running.Count + queued.Count > 0)
        {
            // Said only when there is something to keep: a host that failed to start (or ran nothing) has nothing to say.
            Log.EngineShuttingDown(_logger, running.Count, queued.Count, _records.IsDurable ? "kept to resume at the next start" : "cancelled");
        }

        foreach (var run in queued)
        {
            _ = _admission.EndQueuedAsync(run, CancelReason.Shutdown);
        }

        foreach (var run in running)
        {
            run.TryCancel(CancelReason.Shutdown);
        }

        return [.. _registry.Runs];
    }

    /// <summary>The scheduler's work item: the run's stint on this instance, then the one cleanup.</summary>
    private async Task ExecuteAsync(GenerationRun run)
    {
        try
        {
            await run.Admitted.Task.ConfigureAwait(false);
            await _pipeline.RunAsync(run).ConfigureAwait(false);
        }
        finally
        {
            await _registry.ReleaseAsync(run).ConfigureAwait(false);
        }
    }

    /// <summary>What another instance asks of a run held here.</summary>
    private void OnSignal(GenerationRun run, RunSignal signal)
    {
        switch (signal)
        {
            case RunSignal.InputArrived:
                _ = _gates.EmitMissingInputsAsync(run);
                break;
            case RunSignal.OwnershipLost:
                _ = CancelRunAsync(run, CancelReason.OwnershipLost);
                break;
            default:
                _ = CancelRunAsync(run, CancelReason.User);
                break;
        }
    }

    /// <summary>Ends a waiting run at once, or fires a running run's token.</summary>
    /// <returns>Whether the run was still going.</returns>
    private async Task<bool> CancelRunAsync(GenerationRun run, CancelReason reason)
    {
        if (_scheduler.TryRemoveQueued(run))
        {
            await _admission.EndQueuedAsync(run, reason).ConfigureAwait(false);
            return true;
        }

        // Checked first: a cancelled run may end (and leave) before TryCancel returns.
        var live = _registry.Contains(run.GenerationId);
        run.TryCancel(reason);
        return live;
    }

    /// <summary>The steering a new generation starts with: its review gates (the request's, or the host's default).</summary>
    private RunSteering? Steering(ReviewRequest? review)
    {
        review ??= _options.CurrentValue.DefaultReview?.ToReview();
        return review is null || (review.Plan != true && review.AfterPhases is null or { IsAll: false, Phases.Count: 0 })
            ? null
            : new RunSteering { Review = review };
    }

    private void ThrowIfStopped() => ObjectDisposedException.ThrowIf(IsStopped, this);
}
