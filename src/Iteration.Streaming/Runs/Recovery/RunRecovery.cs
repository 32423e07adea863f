using Iteration.Streaming.Engine;
using Iteration.Streaming.Diagnostics;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Records;
using Iteration.Streaming.Runs.Gates;
using Iteration.Streaming.ScaleOut;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Runs.Recovery;

/// <summary>
/// Continues generations that have no terminal event and that no instance runs: at start (interrupted by a restart, a
/// crash or a full disk) and, while the host runs, those whose owner went away (a takeover). It reads each log once
/// (<see cref="RunLogScan"/>) and hands what it found to the run: an end the record missed, the phases saved, the
/// inputs already acknowledged, a review gate the run was stopping at. A generation waiting at a gate is not resumed:
/// it waits for its user on whichever instance the input reaches.
/// </summary>
internal sealed class RunRecovery(
    IGenerationEventLog eventLog,
    IGenerationRecordStore records,
    IRunCoordinator coordinator,
    RunRegistry registry,
    RunAdmission admission,
    RunGates gates,
    GateKeeper gateKeeper,
    RunEvents events,
    RunEnding ending,
    IOptionsMonitor<IterationStreamingOptions> options,
    IterationStreamingMessages messages,
    Func<bool> isStopped,
    TimeProvider timeProvider,
    ILogger logger)
{
    /// <summary>Admits every unfinished generation on record that this instance may take.</summary>
    /// <returns>How many runs were resumed.</returns>
    public async Task<int> ResumeInterruptedAsync(CancellationToken cancellationToken)
    {
        var resumed = 0;
        foreach (var record in await records.ListUnfinishedAsync(cancellationToken).ConfigureAwait(false))
        {
            if (isStopped())
            {
                break;
            }

            // Runs of other instances come here by takeover, once their owner is gone; a waiting run waits for its user.
            if (registry.Contains(record.GenerationId) || (record.Owner is { } owner && owner != coordinator.InstanceName)
                || (record.Status == GenerationStatus.AwaitingInput && record.Steering?.Ending is null))
            {
                continue;
            }

            if (await coordinator.TryClaimAsync(record.GenerationId, cancellationToken).ConfigureAwait(false)
                && await ResumeAsync(record, RunStart.Resume, cancellationToken).ConfigureAwait(false))
            {
                resumed++;
            }
        }

        if (resumed > 0)
        {
            Log.ResumingRuns(logger, resumed);
        }

        return resumed;
    }

    /// <summary>Resumes, while the host runs, the runs the coordinator brings here because their owner went away.</summary>
    public async Task ResumeOrphanedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var id in coordinator.WatchOrphanedRunsAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    if (registry.Contains(id))
                    {
                        continue;
                    }

                    if (await records.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } record && !isStopped())
                    {
                        await ResumeAsync(record, RunStart.Takeover, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        await coordinator.HandOverAsync(id, CancellationToken.None).ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The run stays claimed by nobody alive here: its ownership lapses and another instance takes it.
                    Log.TakeoverFailed(logger, id, ex);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // Stopping (or a coordinator fault) must not fail the host: runs not taken here are taken elsewhere.
            Log.TakeoverWatchFailed(logger, ex);
        }
    }

    /// <summary>Schedules the automatic retry of a generation at its due time (<see cref="Retries.RetrySchedule.Add"/>).</summary>
    public Action<string, DateTimeOffset>? ScheduleRetry { get; set; }

    /// <summary>
    /// Resumes a generation whose automatic retry is due (scheduled by this instance when its run failed transiently),
    /// unless it ended, runs already, or another instance holds it now.
    /// </summary>
    /// <returns>Whether a run was started.</returns>
    public async Task<bool> ResumeDueAsync(string generationId, CancellationToken cancellationToken)
    {
        // The run that scheduled the retry may still be on its way out of this instance (the clock moved fast).
        if (registry.TryGet(generationId, out var leaving))
        {
            await leaving.Finished.Task.ConfigureAwait(false);
        }

        if (isStopped() || registry.Contains(generationId)
            || await records.GetAsync(generationId, cancellationToken).ConfigureAwait(false) is not { } record
            || GenerationStatus.IsTerminal(record.Status) || record.RetryAt is null)
        {
            return false;
        }

        Log.RetryDue(logger, generationId, record.PhasesSaved + 1);
        return await coordinator.TryClaimAsync(generationId, cancellationToken).ConfigureAwait(false)
            && await ResumeAsync(record, RunStart.AutoRetry, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Continues a generation this instance claimed: resumes it, ends it, or leaves it waiting at its gate.</summary>
    /// <returns>Whether a run was started.</returns>
    private async Task<bool> ResumeAsync(GenerationRecord record, RunStart start, CancellationToken cancellationToken)
    {
        var id = record.GenerationId;
        if (!await eventLog.ExistsAsync(id, cancellationToken).ConfigureAwait(false))
        {
            Log.ResumeWithoutLog(logger, id);
            await records.UpdateAsync(id, new GenerationRecordUpdate { Status = GenerationStatus.Failed }, CancellationToken.None).ConfigureAwait(false);
            return false;
        }

        // The log is the truth of what happened: an end, a saved phase or a gate the record had not caught up with.
        var scan = await RunLogScan.ReadAsync(eventLog, id, cancellationToken).ConfigureAwait(false);
        if (scan.EndedWith is { } ended)
        {
            await records.UpdateAsync(id, new GenerationRecordUpdate { Status = ended }, CancellationToken.None).ConfigureAwait(false);

            // It may have stopped before its budget was settled: settling is idempotent, so settle now.
            await ending.SettleAsync(record.UserId, id, record.Usage?.TotalTokens ?? 0).ConfigureAwait(false);
            return false;
        }

        if (record.Steering?.Ending is not null)
        {
            await gateKeeper.EndAtGateAsync(record).ConfigureAwait(false);
            return false;
        }

        if (scan.WaitingAt is { } gate && record.Steering?.PassedGates.Contains(GateState.KeyOf(gate.Kind, gate.Phase)) != true)
        {
            await SettleWaitingAsync(record, gate, scan).ConfigureAwait(false);
            return false;
        }

        // A transient failure's retry that is not due yet (a restart or a takeover came during its backoff): it waits
        // here, holding no slot, and resumes when due.
        if (start != RunStart.AutoRetry && record.RetryAt is { } due && due > timeProvider.GetUtcNow() && ScheduleRetry is { } schedule)
        {
            schedule(id, due);
            return false;
        }

        var settings = options.CurrentValue;
        var run = new GenerationRun(record with { PhasesSaved = Math.Max(record.PhasesSaved, scan.PhasesCompleted) }, start, default)
        {
            EarlierPhases = scan.PhaseDurations,
            InputsEmitted = scan.InputsReceived,
        };

        // Automatic retries of transient failures have their own limit (Retries:MaxAttempts): only interruptions count here.
        var limitReached = record.Attempts - record.AutoRetries > settings.MaxResumeAttempts;
        if (limitReached || settings.ResumeInterruptedRuns == false)
        {
            var error = limitReached ? messages.TooManyInterruptions(record.Attempts, settings.MaxResumeAttempts) : messages.NotResumed();
            if (limitReached)
            {
                Log.ResumeLimitReached(logger, id, record.Attempts);
            }

            await admission.EndHeldAsync(run, new RunOutcome(GenerationStatus.Failed, GenerationStages.Error, messages.Failed(run.Record, error), error)).ConfigureAwait(false);
            return false;
        }

        return await admission.ContinueAsync(run).ConfigureAwait(false) is not null;
    }

    /// <summary>
    /// The log ends at a gate: the run stopped there (its record may not say so yet, when it stopped between the two).
    /// It waits again, with no second gate event, and with the <c>input_received</c> of every input it took.
    /// </summary>
    private async Task SettleWaitingAsync(GenerationRecord record, InputRequest gate, RunLogScan scan)
    {
        var id = record.GenerationId;
        if (record.Status != GenerationStatus.AwaitingInput)
        {
            await gates.RecordWaitAsync(id, new GateState { Kind = gate.Kind, Phase = gate.Phase, ExpiresAt = gate.ExpiresAt }).ConfigureAwait(false);
        }

        if (record.Steering is { } steering && steering.Inputs.Count > scan.InputsReceived)
        {
            using var run = new GenerationRun(record, RunStart.Continue, default) { InputsEmitted = scan.InputsReceived };
            await events.SeedProgressAsync(run).ConfigureAwait(false);
            await gates.EmitMissingInputsAsync(run).ConfigureAwait(false);
        }

        // A waiting run belongs to nobody: let go of the claim.
        coordinator.Hold(id, static _ => { }).Dispose();
    }
}
