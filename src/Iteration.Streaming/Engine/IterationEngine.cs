using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Diagnostics;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Engine;

/// <summary>
/// The embedded engine: admits runs under <see cref="IterationStreamingOptions.MaxConcurrentGenerations"/> (queued in
/// order beyond it), executes them with <see cref="RunPipeline"/>, and answers watch, cancel and snapshot requests
/// from the event log, the records and the file sink. Disposing it cancels every run, so each log ends with a terminal event.
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
    private readonly EngineMetrics _metrics;
    private readonly ILogger _logger;
    private readonly RunPipeline _pipeline;

    private readonly Lock _gate = new();
    private readonly LinkedList<GenerationRun> _queue = new();
    private readonly ConcurrentDictionary<string, GenerationRun> _runs = new(StringComparer.Ordinal);
    private int _running;
    private bool _disposed;

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
        _metrics = metrics;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _pipeline = new RunPipeline(eventLog, fileSink, records, services.GetRequiredService<IServiceScopeFactory>(), options, timeProvider, metrics, history, _logger);
    }

    /// <summary>Runs running now, for tests.</summary>
    internal int RunningCount
    {
        get
        {
            lock (_gate)
            {
                return _running;
            }
        }
    }

    /// <summary>Runs waiting for a slot, for tests.</summary>
    internal int QueuedCount
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    internal static InvalidOperationException NoGenerator() => new(
        "No IPhaseGenerator is registered: the engine has nothing to generate files with. " +
        "Call services.AddIterationStreaming().AddPhaseGenerator<TGenerator>() with your generator.");

    public async ValueTask<string> StartAsync(GenerationRequest request, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        RequestValidator.Validate(request, _options.CurrentValue);
        var run = await AdmitAsync(new RunDefinition(request.Prompt, null, null, [.. request.Entities ?? []]), cancellationToken).ConfigureAwait(false);
        return run.GenerationId;
    }

    public async ValueTask<string> IterateAsync(IterationRequest request, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        RequestValidator.Validate(request, _options.CurrentValue);
        var definition = await ResolveParentAsync(request, cancellationToken).ConfigureAwait(false);
        var run = await AdmitAsync(definition, cancellationToken).ConfigureAwait(false);
        return run.GenerationId;
    }

    public ValueTask<string> RetryAsync(RetryRequest request, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("Retry lands with the run lifecycle restructure.");

    public ValueTask<GenerationRecord?> GetRecordAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        return _records.GetAsync(generationId, cancellationToken);
    }

    public async IAsyncEnumerable<StreamingProgressEvent> RunAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        RequestValidator.Validate(request, _options.CurrentValue);
        var run = await AdmitAsync(new RunDefinition(request.Prompt, null, null, [.. request.Entities ?? []]), cancellationToken).ConfigureAwait(false);

        var subscription = await _eventLog.SubscribeAsync(run.GenerationId, 0, CancellationToken.None).ConfigureAwait(false);
        StreamingProgressEvent? terminal = null;
        await using (subscription.ConfigureAwait(false))
        {
            // The run keeps going until its terminal event even after cancellation, so the caller sees how it ended.
            using var registration = cancellationToken.Register(static state =>
            {
                var (engine, cancelled) = ((IterationEngine, GenerationRun))state!;
                _ = engine.RequestCancelAsync(cancelled, CancelReason.User);
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
                    _ = RequestCancelAsync(run, CancelReason.User);
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
        return _eventLog.SubscribeAsync(generationId, afterSequence, cancellationToken);
    }

    public async ValueTask<bool> CancelAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        if (_runs.TryGetValue(generationId, out var run))
        {
            return await RequestCancelAsync(run, CancelReason.User).ConfigureAwait(false);
        }

        // Running on another instance: its owner gets the request and ends it with 'cancelled'.
        if (await _coordinator.RequestCancelAsync(generationId, cancellationToken).ConfigureAwait(false))
        {
            return true;
        }

        if (await _records.GetAsync(generationId, cancellationToken).ConfigureAwait(false) is not null
            || await _eventLog.ExistsAsync(generationId, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        throw new GenerationNotFoundException(generationId);
    }

    public async ValueTask<GenerationSnapshot> GetSnapshotAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        EventLogEntry? latest = null;
        var hasLog = true;
        try
        {
            latest = await _eventLog.GetLatestAsync(generationId, cancellationToken).ConfigureAwait(false);
        }
        catch (GenerationNotFoundException)
        {
            hasLog = false;
        }

        var record = await _records.GetAsync(generationId, cancellationToken).ConfigureAwait(false);
        if (!hasLog && record is null)
        {
            throw new GenerationNotFoundException(generationId);
        }

        var manifest = await _fileSink.GetManifestAsync(generationId, cancellationToken).ConfigureAwait(false);
        return new GenerationSnapshot
        {
            GenerationId = generationId,
            Status = latest?.Event.Status ?? record?.Status ?? GenerationStatus.Queued,
            LastEventId = latest?.Sequence ?? 0,
            LastEvent = latest?.Event,
            FileCount = manifest?.Files.Count ?? record?.FileCount ?? 0,
            TotalBytes = manifest?.TotalBytes ?? record?.TotalBytes ?? 0,
            ParentGenerationId = record?.ParentGenerationId,
        };
    }

    public async ValueTask DisposeAsync()
    {
        var runs = BeginShutdown();
        await Task.WhenAll(runs.Select(static r => r.Finished.Task)).ConfigureAwait(false);
    }

    public void Dispose() => _ = BeginShutdown();

    private List<GenerationRun> BeginShutdown()
    {
        List<GenerationRun> queued;
        List<GenerationRun> all;
        lock (_gate)
        {
            if (_disposed)
            {
                return [.. _runs.Values];
            }

            _disposed = true;
            queued = [.. _queue];
            foreach (var run in queued)
            {
                run.State = RunState.Ended;
                run.QueueNode = null;
            }

            _queue.Clear();
            all = [.. _runs.Values];
        }

        Log.EngineShuttingDown(_logger, all.Count - queued.Count, queued.Count);
        foreach (var run in all)
        {
            if (queued.Contains(run))
            {
                _ = EndQueuedAsync(run, CancelReason.Shutdown);
            }
            else
            {
                run.TryCancel(CancelReason.Shutdown);
            }
        }

        return all;
    }

    private async ValueTask<RunDefinition> ResolveParentAsync(IterationRequest request, CancellationToken cancellationToken)
    {
        var parentId = request.ParentGenerationId;
        var parent = await _records.GetAsync(parentId, cancellationToken).ConfigureAwait(false);
        if (parent is not null && !GenerationStatus.IsTerminal(parent.Status))
        {
            throw new GenerationConflictException(
                $"Generation '{parentId}' has not finished (status '{parent.Status}'); iterate on it once it has completed, failed or been cancelled.");
        }

        var parentFiles = await _fileSink.GetManifestAsync(parentId, cancellationToken).ConfigureAwait(false);
        if (parentFiles is null)
        {
            if (parent is null)
            {
                throw new GenerationNotFoundException(parentId);
            }

            throw new GenerationConflictException($"Generation '{parentId}' ended with status '{parent.Status}' before saving any files; there is nothing to iterate on.");
        }

        // A parent known only by its files (saved before a restart) has no prompt or entities on record.
        return new RunDefinition(parent?.Prompt ?? string.Empty, request.ModificationPrompt, parentId, parent?.Entities ?? []);
    }

    private async ValueTask<GenerationRun> AdmitAsync(RunDefinition definition, CancellationToken cancellationToken)
    {
        var options = _options.CurrentValue;
        lock (_gate)
        {
            ThrowIfDisposed();
            if (_running >= options.MaxConcurrentGenerations && _queue.Count >= options.MaxQueuedGenerations)
            {
                Log.QueueFull(_logger, _running, _queue.Count);
                throw new GenerationCapacityException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{_running} generations are running and {_queue.Count} are waiting, the limit (IterationStreaming:MaxQueuedGenerations); retry later."));
            }
        }

        var id = _ids.NewId();
        var mode = await _modeSelector.SelectAsync(new GenerationModeSelectionContext { GenerationId = id, ParentGenerationId = definition.ParentGenerationId }, cancellationToken)
            .ConfigureAwait(false);
        if (mode is null || string.IsNullOrWhiteSpace(mode.GenerationMode))
        {
            throw new InvalidOperationException("The generation mode selector returned no generation mode.");
        }

        var now = _timeProvider.GetUtcNow();

        // The log first: a shared store keeps the record beside it, and claims the run for this instance with it.
        await _eventLog.CreateAsync(id, CancellationToken.None).ConfigureAwait(false);
        await _records.AddAsync(
            new GenerationRecord
            {
                GenerationId = id,
                ParentGenerationId = definition.ParentGenerationId,
                Prompt = definition.Prompt,
                ModificationPrompt = definition.ModificationPrompt,
                Entities = definition.Entities,
                Status = GenerationStatus.Queued,
                CreatedAt = now,
                Owner = _coordinator.InstanceName,
            },
            CancellationToken.None).ConfigureAwait(false);

        var run = new GenerationRun(id, definition, mode, now, Activity.Current?.Context ?? default);
        run.Ownership = _coordinator.Hold(id, reason => _ = RequestCancelAsync(run, reason));
        var startNow = false;
        var position = 0;
        var refused = false;
        lock (_gate)
        {
            if (_disposed)
            {
                refused = true;
                run.State = RunState.Ended;
            }
            else if (_running < options.MaxConcurrentGenerations)
            {
                _running++;
                startNow = true;
                run.State = RunState.Running;
            }
            else
            {
                run.QueueNode = _queue.AddLast(run);
                position = _queue.Count;
                run.State = RunState.Queued;
            }

            _runs[id] = run;
        }

        if (refused)
        {
            run.Admitted.TrySetResult();
            await EndQueuedAsync(run, CancelReason.Shutdown, dequeued: false).ConfigureAwait(false);
            ThrowIfDisposed();
        }

        if (startNow)
        {
            try
            {
                await _pipeline.AppendAsync(
                    run,
                    run.CreateEvent(GenerationStatus.Processing, GenerationStages.Initializing, ProgressModel.Initializing, RunPipeline.StartingMessage(run), now))
                    .ConfigureAwait(false);
                run.InitializingSent = true;
            }
            finally
            {
                run.Admitted.TrySetResult();
                Launch(run);
            }
        }
        else
        {
            _metrics.RunQueued();
            Log.RunQueued(_logger, id, position, options.MaxConcurrentGenerations);
            try
            {
                await _pipeline.AppendAsync(
                    run,
                    run.CreateEvent(
                        GenerationStatus.Queued,
                        GenerationStages.Queued,
                        ProgressModel.Queued,
                        string.Create(CultureInfo.InvariantCulture, $"Waiting for a free generation slot (position {position} in the queue)"),
                        now)).ConfigureAwait(false);
            }
            finally
            {
                run.Admitted.TrySetResult();
            }
        }

        return run;
    }

    private void Launch(GenerationRun run) => _ = Task.Run(() => ExecuteAsync(run));

    private async Task ExecuteAsync(GenerationRun run)
    {
        try
        {
            await run.Admitted.Task.ConfigureAwait(false);
            await _pipeline.ExecuteAsync(run, () => ReleaseSlot(run)).ConfigureAwait(false);
        }
        finally
        {
            ReleaseSlot(run);
            run.Dispose();
            run.Finished.TrySetResult();
        }
    }

    /// <summary>Forgets a finished run and gives its slot to the next queued run; only the first call counts.</summary>
    private void ReleaseSlot(GenerationRun finished)
    {
        GenerationRun? next = null;
        lock (_gate)
        {
            if (finished.State == RunState.Ended)
            {
                return;
            }

            finished.State = RunState.Ended;
            _runs.TryRemove(new KeyValuePair<string, GenerationRun>(finished.GenerationId, finished));
            if (!_disposed && _running <= _options.CurrentValue.MaxConcurrentGenerations && _queue.First is { } first)
            {
                _queue.RemoveFirst();
                next = first.Value;
                next.QueueNode = null;
                next.State = RunState.Running;
            }
            else
            {
                _running--;
            }
        }

        if (next is not null)
        {
            _metrics.RunDequeued();
            Launch(next);
        }
    }

    /// <summary>Cancels a queued run at once, or fires a running run's token.</summary>
    /// <returns>Whether the run was still going.</returns>
    private async Task<bool> RequestCancelAsync(GenerationRun run, CancelReason reason)
    {
        var wasQueued = false;
        lock (_gate)
        {
            if (run.State == RunState.Queued && run.QueueNode is { } node)
            {
                _queue.Remove(node);
                run.QueueNode = null;
                run.State = RunState.Ended;
                wasQueued = true;
            }
        }

        if (wasQueued)
        {
            await EndQueuedAsync(run, reason).ConfigureAwait(false);
            return true;
        }

        if (run.State == RunState.Ended || run.IsEnding)
        {
            return false;
        }

        run.TryCancel(reason);
        return true;
    }

    private async Task EndQueuedAsync(GenerationRun run, CancelReason reason, bool dequeued = true)
    {
        try
        {
            await run.Admitted.Task.ConfigureAwait(false);
            if (dequeued)
            {
                _metrics.RunDequeued();
            }

            Log.RunCancelled(_logger, run.GenerationId, reason switch
            {
                CancelReason.Shutdown => "shutdown while queued",
                CancelReason.OwnershipLost => "ended by another instance while queued",
                _ => "request while queued",
            });
            await _pipeline.EndQueuedAsync(run, reason, () => _runs.TryRemove(new KeyValuePair<string, GenerationRun>(run.GenerationId, run))).ConfigureAwait(false);
        }
        finally
        {
            _runs.TryRemove(new KeyValuePair<string, GenerationRun>(run.GenerationId, run));
            run.Dispose();
            run.Finished.TrySetResult();
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
