using System.Diagnostics;
using Iteration.Streaming.Budgets;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Diagnostics;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Modes;
using Iteration.Streaming.Records;
using Iteration.Streaming.ScaleOut;
using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.Runs;

/// <summary>
/// Brings runs to the scheduler: a new generation (recorded, then queued or started), a generation on record that
/// continues here (after a restart, a takeover or its user's input), and the end of a run taken out of the queue. The
/// only place a run's <see cref="GenerationRun.Admitted"/> is completed.
/// </summary>
internal sealed class RunAdmission(
    IGenerationEventLog eventLog,
    IGenerationRecordStore records,
    IRunCoordinator coordinator,
    IGenerationModeSelector modeSelector,
    IGenerationIdGenerator ids,
    RunScheduler scheduler,
    RunRegistry registry,
    RunPipeline pipeline,
    RunEvents events,
    TimeProvider timeProvider,
    GenerationStorageHealth storageHealth,
    IBudgetPolicy? budgetPolicy,
    OwnerStarts? ownerStarts,
    ILogger logger)
{
    /// <summary>Called with every run held here when another instance signals it (cancel, lost ownership, new input).</summary>
    public required Action<GenerationRun, RunSignal> OnSignal { get; init; }

    /// <summary>Records a new generation and hands it to the scheduler; returns once its first event is in the log.</summary>
    /// <param name="definition">What to generate.</param>
    /// <param name="start">How the run begins.</param>
    /// <param name="source">For a retry, the old record (its mode and plan are reused, its saved phases kept).</param>
    /// <param name="steering">The review gates chosen, when any.</param>
    /// <param name="cancellationToken">Cancels admission before the generation is recorded.</param>
    public async ValueTask<GenerationRun> AdmitAsync(RunDefinition definition, RunStart start, GenerationRecord? source, RunSteering? steering, CancellationToken cancellationToken)
    {
        scheduler.EnsureRoom();
        var id = ids.NewId();
        var mode = source?.Mode ?? await modeSelector.SelectAsync(
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
            ForkedFrom = definition.ForkedFrom,
            FromPhase = definition.ForkedFrom is null ? null : source?.PhasesSaved,
            Revert = definition.Revert,
            Prompt = definition.Prompt,
            ModificationPrompt = definition.ModificationPrompt,
            Entities = definition.Entities,
            UserId = definition.UserId,
            Mode = mode,
            Plan = source?.Plan ?? definition.Plan,
            PhasesSaved = source?.Plan is null ? 0 : source.PhasesSaved,
            Status = GenerationStatus.Queued,
            CreatedAt = timeProvider.GetUtcNow(),
            Owner = coordinator.InstanceName,
            Steering = steering,
            Budget = definition.Budget,
        };

        // Asked before anything is written: a refused start leaves nothing behind (HTTP answers 429).
        if (budgetPolicy is not null)
        {
            try
            {
                await budgetPolicy.AdmitAsync(
                    new BudgetRequest { GenerationId = id, UserId = definition.UserId, Budget = definition.Budget, At = record.CreatedAt },
                    cancellationToken).ConfigureAwait(false);
            }
            catch (GenerationBudgetExceededException ex)
            {
                Log.BudgetRefused(logger, id, ex.Limit);
                throw;
            }
        }

        // The log first: a shared store keeps the record beside it, and claims the run for this instance with it.
        try
        {
            await eventLog.CreateAsync(id, CancellationToken.None).ConfigureAwait(false);
            await records.AddAsync(record, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or InvalidOperationException or ArgumentException))
        {
            // Nothing was admitted: the caller may retry once storage is back (HTTP answers 503).
            Log.AdmissionStorageFailed(logger, ex);
            storageHealth.ReportFailure(GenerationStoragePart.Records);
            await ReleaseBudgetAsync(record).ConfigureAwait(false);
            throw StorageFailures.AdmissionRefused(ex);
        }

        // Its owner's streams on this instance follow it from its first event (other instances find it in the store).
        ownerStarts?.Started(record.UserId, id, record.CreatedAt);
        var run = new GenerationRun(record, start, Activity.Current?.Context ?? default);
        registry.Register(run, OnSignal);
        var position = scheduler.Enqueue(run);
        if (position < 0)
        {
            // Stopped between the check and now: the generation is on record, so end it like any queued run.
            run.Admitted.TrySetResult();
            await EndQueuedAsync(run, CancelReason.Shutdown).ConfigureAwait(false);
            throw new ObjectDisposedException(nameof(RunAdmission), "The engine is stopping: no new generation is admitted.");
        }

        if (position > 0)
        {
            await AppendQueuedOrAbandonAsync(run, position).ConfigureAwait(false);
        }

        run.Admitted.TrySetResult();
        try
        {
            await run.FirstEvent.ConfigureAwait(false);
        }
        catch (Exception ex) when (StorageFailures.IsStorageFailure(ex))
        {
            // The run ended unstored before its first event, and this caller gets no id: nobody will watch it.
            await AbandonAsync(run.GenerationId).ConfigureAwait(false);
            throw StorageFailures.AdmissionRefused(ex);
        }

        return run;
    }

    /// <summary>
    /// Holds a generation on record that continues here and hands it to the scheduler. <paramref name="beforeQueue"/>
    /// appends what must precede its next events (an <c>input_received</c>) once it is held and before it may run.
    /// </summary>
    /// <returns>The run, or <see langword="null"/> when the engine is stopping (the run was handed over).</returns>
    public async ValueTask<GenerationRun?> ContinueAsync(GenerationRun run, Func<GenerationRun, ValueTask>? beforeQueue = null)
    {
        registry.Register(run, OnSignal);
        if (beforeQueue is not null)
        {
            try
            {
                await beforeQueue(run).ConfigureAwait(false);
            }
            catch
            {
                run.Interrupted = true;
                await registry.ReleaseAsync(run).ConfigureAwait(false);
                throw;
            }
        }

        run.Admitted.TrySetResult();
        var position = scheduler.Enqueue(run);
        if (position < 0)
        {
            // Stopped meanwhile: the run goes to another instance at once.
            run.Interrupted = true;
            await registry.ReleaseAsync(run).ConfigureAwait(false);
            return null;
        }

        if (position > 0 && run.Start == RunStart.Continue)
        {
            // Back in the queue after its user's input: said, as for any run that waits for a slot.
            await events.AppendQueuedAsync(run, position).ConfigureAwait(false);
        }

        return run;
    }

    /// <summary>
    /// Ends a run on record that no run of this process will continue (resumed too often, not resumed, ended at a gate);
    /// <paramref name="hold"/> when this instance claimed it (it is held while its end is written).
    /// </summary>
    public async Task EndHeldAsync(GenerationRun run, RunOutcome outcome, bool hold = true)
    {
        if (hold)
        {
            registry.Register(run, OnSignal);
        }

        try
        {
            await pipeline.EndUnrunAsync(run, outcome).ConfigureAwait(false);
        }
        finally
        {
            run.Admitted.TrySetResult();
            await registry.ReleaseAsync(run).ConfigureAwait(false);
        }
    }

    /// <summary>Ends a run that waits for a slot (cancelled, or the host is stopping).</summary>
    public async Task EndQueuedAsync(GenerationRun run, CancelReason reason)
    {
        try
        {
            await run.Admitted.Task.ConfigureAwait(false);
            await pipeline.EndQueuedAsync(run, reason).ConfigureAwait(false);
        }
        finally
        {
            await registry.ReleaseAsync(run).ConfigureAwait(false);
        }
    }

    /// <summary>Ends a waiting run at once, or fires a running run's token.</summary>
    /// <returns>Whether the run was still going.</returns>
    public async Task<bool> CancelAsync(GenerationRun run, CancelReason reason)
    {
        if (scheduler.TryRemoveQueued(run))
        {
            await EndQueuedAsync(run, reason).ConfigureAwait(false);
            return true;
        }

        // Checked first: a cancelled run may end (and leave) before TryCancel returns.
        var live = registry.Contains(run.GenerationId);
        run.TryCancel(reason);
        return live;
    }

    /// <summary>Admits nothing more: queued runs end (or are kept, with a durable store), running runs are stopped.</summary>
    public void StopAll(bool durable)
    {
        var (queued, running) = scheduler.Stop();
        if (running.Count + queued.Count > 0)
        {
            // Said only when there is something to keep: a host that failed to start (or ran nothing) has nothing to say.
            Log.EngineShuttingDown(logger, running.Count, queued.Count, durable ? "kept to resume at the next start" : "cancelled");
        }

        foreach (var run in queued)
        {
            _ = EndQueuedAsync(run, CancelReason.Shutdown);
        }

        foreach (var run in running)
        {
            run.TryCancel(CancelReason.Shutdown);
        }
    }

    private async Task AppendQueuedOrAbandonAsync(GenerationRun run, int position)
    {
        try
        {
            await events.AppendQueuedAsync(run, position).ConfigureAwait(false);
        }
        catch (Exception ex) when (StorageFailures.IsStorageFailure(ex))
        {
            // The caller is told now, as for a refused admission: nobody will watch the run, so it does not run.
            Log.AdmissionStorageFailed(logger, ex);
            storageHealth.ReportFailure(StorageFailures.PartOf(ex));
            if (scheduler.TryRemoveQueued(run))
            {
                await AbandonAsync(run.GenerationId).ConfigureAwait(false);
                await registry.ReleaseAsync(run).ConfigureAwait(false);
            }

            run.Admitted.TrySetResult();
            throw StorageFailures.AdmissionRefused(ex);
        }
    }

    /// <summary>
    /// Marks a generation whose start was refused (its caller got no id) as failed on record, so that it is not resumed
    /// at the next start; when storage refuses that too, it resumes then like any unfinished run.
    /// </summary>
    private async Task AbandonAsync(string generationId)
    {
        try
        {
            await records.UpdateAsync(generationId, new GenerationRecordUpdate { Status = GenerationStatus.Failed }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.RecordEndFailed(logger, generationId, ex);
        }
    }

    /// <summary>Gives back what a generation that was never created reserved.</summary>
    private async Task ReleaseBudgetAsync(GenerationRecord record)
    {
        if (budgetPolicy is null)
        {
            return;
        }

        try
        {
            await budgetPolicy.SettleAsync(new BudgetSettlement { GenerationId = record.GenerationId, UserId = record.UserId, UsedTokens = 0 }, CancellationToken.None)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.BudgetSettleFailed(logger, record.GenerationId, ex);
        }
    }
}
