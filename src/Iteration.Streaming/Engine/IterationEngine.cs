using System.Runtime.CompilerServices;
using Iteration.Streaming.Budgets;
using Iteration.Streaming.Checkpoints;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Diagnostics;
using Iteration.Streaming.Diffs;
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
using Iteration.Streaming.Runs.Live;
using Iteration.Streaming.Runs.Recovery;
using Iteration.Streaming.Runs.Retries;
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
    private readonly IGenerationRecordStore _records;
    private readonly IRunCoordinator _coordinator;
    private readonly ILogger _logger;
    private readonly RunScheduler _scheduler;
    private readonly RunRegistry _registry;
    private readonly RunAdmission _admission;
    private readonly RunGates _gates;
    private readonly GateKeeper _gateKeeper;
    private readonly GenerationReads _reads;
    private readonly RunRequests _requests;
    private readonly IterationStreamingMessages _messages;
    private readonly RunPipeline _pipeline;
    private readonly FileStates _states;
    private readonly IOptionsMonitor<IterationStreamingOptions> _options;
    private readonly PhaseCheckpointer _checkpoints;
    private readonly IGenerationEventLog _eventLog;
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

        (_records, _coordinator, _messages, _options, _eventLog) = (records, coordinator, messages, options, eventLog);
        _states = new FileStates(fileSink);
        _logger = logger ?? (ILogger)NullLogger.Instance;
        UnstoredEndings = new UnstoredEndings(timeProvider);
        var events = new RunEvents(eventLog, options, timeProvider, messages, _logger);
        var ending = new RunEnding(eventLog, records, events, timeProvider, metrics, history, messages, UnstoredEndings, storageHealth, services.GetService<IBudgetPolicy>(), _logger);
        _gates = new RunGates(records, events, options, timeProvider, messages, _logger);
        _checkpoints = new PhaseCheckpointer(services.GetService<IPhaseCheckpointStore>() ?? new InMemoryPhaseCheckpointStore(), timeProvider, _logger);
        var phases = new PhaseRunner(fileSink, records, events, timeProvider, metrics, messages, _checkpoints, _logger);
        var finish = new RunFinish(fileSink, records, events, timeProvider, messages, _logger);
        var stages = new RunStages(eventLog, fileSink, records, events, phases, _gates, finish, history, messages, _logger);
        var pipeline = _pipeline = new RunPipeline(stages, ending, events, services.GetRequiredService<IServiceScopeFactory>(), options, timeProvider, metrics, messages, _logger);
        _registry = new RunRegistry(coordinator, _logger);
        _scheduler = new RunScheduler(ExecuteAsync, options, metrics, _logger);
        _admission = new RunAdmission(eventLog, records, coordinator, modeSelector, ids, _scheduler, _registry, pipeline, events, timeProvider, storageHealth, services.GetService<IBudgetPolicy>(), services.GetService<OwnerStarts>(), _logger)
        {
            OnSignal = OnSignal,
        };
        _gateKeeper = new GateKeeper(eventLog, records, fileSink, coordinator, _registry, _admission, _gates, events, options, timeProvider, messages, _logger)
        {
            CancelRunning = CancelAsync,
        };
        Recovery = new RunRecovery(eventLog, records, coordinator, _registry, _admission, _gates, _gateKeeper, events, ending, options, messages, () => IsStopped, timeProvider, _logger);
        Retries = new RetrySchedule(timeProvider, id => Recovery.ResumeDueAsync(id, CancellationToken.None), _logger);
        ending.OnRetryScheduled = Retries.Add;
        Recovery.ScheduleRetry = Retries.Add;
        Deadlines = new GateDeadlines(records, _gateKeeper, options, timeProvider, _logger);
        _reads = new GenerationReads(eventLog, records, fileSink, UnstoredEndings, _logger);
        _requests = new RunRequests(fileSink, _admission, _reads, new RetryClaims(idempotencyStore, records, timeProvider), options, timeProvider);
    }

    /// <summary>Continues interrupted runs at start and runs taken over while the host runs.</summary>
    internal RunRecovery Recovery { get; }

    /// <summary>Completes once this instance no longer holds <paramref name="generationId"/> (its end settled, its slot free).</summary>
    internal Task WhenReleasedAsync(string generationId) =>
        _registry.TryGet(generationId, out var run) ? run.Finished.Task : Task.CompletedTask;

    /// <summary>The automatic retries this instance owes (transient failures waiting out their backoff).</summary>
    internal RetrySchedule Retries { get; }

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
        return (await _requests.StartAsync(request, cancellationToken).ConfigureAwait(false)).GenerationId;
    }

    public async ValueTask<string> IterateAsync(IterationRequest request, CancellationToken cancellationToken = default)
    {
        ThrowIfStopped();
        return (await _requests.IterateAsync(request, cancellationToken).ConfigureAwait(false)).GenerationId;
    }

    public async ValueTask<string> RetryAsync(RetryRequest request, CancellationToken cancellationToken = default)
    {
        ThrowIfStopped();
        return (await _requests.RetryAsync(request, cancellationToken).ConfigureAwait(false)).GenerationId;
    }

    public async ValueTask<string> ForkAsync(ForkRequest request, CancellationToken cancellationToken = default)
    {
        ThrowIfStopped();
        return (await _requests.ForkAsync(request, cancellationToken).ConfigureAwait(false)).GenerationId;
    }

    public async ValueTask<string> RevertAsync(RevertRequest request, CancellationToken cancellationToken = default)
    {
        ThrowIfStopped();
        return (await _requests.RevertAsync(request, _states, cancellationToken).ConfigureAwait(false)).GenerationId;
    }

    public async ValueTask<GenerationDiff> DiffAsync(string generationId, string against, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        var reference = StateReference.Parse(against, "against");
        var newer = await _states.CurrentAsync(generationId, cancellationToken).ConfigureAwait(false);
        var older = await _states.ResolveAsync(generationId, reference, "against", cancellationToken).ConfigureAwait(false);
        var settings = _options.CurrentValue;
        var limits = new GenerationDiffLimits { MaxFiles = settings.DiffMaxFiles, MaxFileBytes = settings.DiffMaxFileBytes, MaxTotalBytes = settings.DiffMaxTotalBytes };
        return await new GenerationDiffBuilder(_states).BuildAsync(older, newer, reference.ToString(), limits, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<GenerationLive> GetLiveAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        if (_registry.TryGet(generationId, out var run) && await LiveView.FromRunAsync(run, cancellationToken).ConfigureAwait(false) is { } held)
        {
            return held;
        }

        var record = await _records.GetAsync(generationId, cancellationToken).ConfigureAwait(false)
            ?? throw new GenerationNotFoundException(generationId);

        // The log is the truth of the status (the record follows its events), as for the snapshot.
        var status = record.Status;
        try
        {
            status = (await _eventLog.GetLatestAsync(generationId, cancellationToken).ConfigureAwait(false))?.Event.Status ?? status;
        }
        catch (GenerationNotFoundException)
        {
        }

        return await LiveView.FromCheckpointAsync(record with { Status = status }, _checkpoints.Store, _options.CurrentValue, cancellationToken).ConfigureAwait(false);
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

    public ValueTask<EventLogSubscription> WatchAsync(string generationId, long afterSequence = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        return _reads.WatchAsync(generationId, afterSequence, _registry.TryGet(generationId, out var run) ? run.EndedUnstored : null, cancellationToken);
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
            return await _admission.CancelAsync(run, CancelReason.User).ConfigureAwait(false);
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

    public ValueTask<GenerationListPage> ListGenerationsAsync(GenerationRecordQuery query, CancellationToken cancellationToken = default)
    {
        GenerationRecords.ValidateQuery(query);
        return _reads.ListAsync(query, cancellationToken);
    }

    public ValueTask<GenerationInputAccepted> SendInputAsync(string generationId, GenerationInputRequest input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        ArgumentNullException.ThrowIfNull(input);
        ThrowIfStopped();
        return _gateKeeper.SendAsync(generationId, input, cancellationToken);
    }

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
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            Retries.Dispose();
            _admission.StopAll(_records.IsDurable);
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
                _ = _admission.CancelAsync(run, CancelReason.OwnershipLost);
                break;
            default:
                _ = _admission.CancelAsync(run, CancelReason.User);
                break;
        }
    }

    private void ThrowIfStopped() => ObjectDisposedException.ThrowIf(IsStopped, this);
}
