using System.Diagnostics;
using System.Security.Cryptography;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Diagnostics;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Records;
using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.Runs;

/// <summary>
/// Ends a run's stint here: says what a stop, a failure or a storage fault means (<see cref="RunOutcome"/>), appends the
/// terminal event (the commit point) and brings the record after it, records an interruption, or reports an end that
/// storage refused from memory (<see cref="UnstoredEndings"/>: the run resumes at the next start, no work is lost).
/// </summary>
internal sealed class RunEnding(
    IGenerationEventLog eventLog,
    IGenerationRecordStore records,
    RunEvents events,
    TimeProvider timeProvider,
    EngineMetrics metrics,
    RunDurationHistory history,
    IterationStreamingMessages messages,
    UnstoredEndings unstoredEndings,
    GenerationStorageHealth storageHealth,
    ILogger logger)
{
    public RunOutcome Stopped(GenerationRun run, IterationStreamingOptions settings)
    {
        switch (run.CancelReason)
        {
            case CancelReason.Timeout:
                Log.RunTimedOut(logger, run.GenerationId, settings.IdleTimeout);
                var error = messages.TimeoutError(settings.IdleTimeout);
                return new RunOutcome(GenerationStatus.Failed, GenerationStages.Timeout, messages.TimedOut(run.Record, error), error);
            case CancelReason.OwnershipLost:
                Log.RunOwnershipLost(logger, run.GenerationId);
                return RunOutcome.NoTerminal;
            case CancelReason.Shutdown when records.IsDurable:
                Log.RunInterrupted(logger, run.GenerationId);
                return RunOutcome.Interrupted;
            case CancelReason.Shutdown:
                Log.RunCancelled(logger, run.GenerationId, "shutdown");
                return RunOutcome.Cancelled(messages.ShuttingDown());
            default:
                Log.RunCancelled(logger, run.GenerationId, "request");
                return RunOutcome.Cancelled(messages.Cancelled());
        }
    }

    /// <summary>The end of a run that never left the queue here.</summary>
    public RunOutcome Dequeued(GenerationRun run, CancelReason reason)
    {
        Log.RunCancelled(logger, run.GenerationId, reason switch
        {
            CancelReason.Shutdown => "shutdown while queued",
            CancelReason.OwnershipLost => "ended by another instance while queued",
            _ => "request while queued",
        });
        return reason switch
        {
            CancelReason.OwnershipLost => RunOutcome.NoTerminal,
            CancelReason.Shutdown when records.IsDurable => RunOutcome.Interrupted,
            CancelReason.Shutdown => RunOutcome.Cancelled(messages.ShuttingDown()),
            _ => RunOutcome.Cancelled(messages.Cancelled()),
        };
    }

    public RunOutcome Failed(GenerationRun run, string stage, PlannedPhase? phase, Exception exception)
    {
        string reason;
        if (exception is GenerationFailedException or Files.InvalidGeneratedFileException)
        {
            // Written for the user by the generator, or by our own validation (paths shown escaped).
            reason = exception.Message;
            Log.RunFailed(logger, run.GenerationId, stage, exception);
        }
        else
        {
            var reference = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
            reason = messages.InternalError(phase, reference);
            Log.RunFailedInternally(logger, run.GenerationId, stage, reference, exception);
        }

        Activity.Current?.AddException(exception);
        return new RunOutcome(GenerationStatus.Failed, GenerationStages.Error, messages.Failed(run.Record, reason), reason);
    }

    public RunOutcome StorageUnavailable(GenerationRun run, string stage, Exception exception)
    {
        Log.RunStorageFailed(logger, run.GenerationId, stage, exception);
        storageHealth.ReportFailure(StorageFailures.PartOf(exception));
        Activity.Current?.AddException(exception);
        return RunOutcome.Unstored;
    }

    public async Task EndAsync(GenerationRun run, Activity? activity, RunOutcome outcome, bool started)
    {
        run.StopWatchdog();
        if (started)
        {
            var duration = run.StartedAt is { } at ? timeProvider.GetUtcNow() - at : TimeSpan.Zero;
            var stage = outcome.IsUnstored ? UnstoredEndings.Stage : outcome.Stage ?? "interrupted";
            metrics.RunEnded(run.Mode.GenerationMode, outcome.Status ?? GenerationStatus.Processing, stage, duration);
            if (outcome.Status == GenerationStatus.Completed && run.Estimate is { } estimate)
            {
                var (seconds, weight) = estimate.MeasuredThisAttempt;
                history.Record(seconds, weight);
            }
        }

        if (activity is not null)
        {
            activity.SetTag(TelemetryTags.GenerationStatus, outcome.Status ?? TelemetryTags.Interrupted);
            activity.SetTag(TelemetryTags.GenerationCancelReason, run.CancelReason == CancelReason.None ? null : run.CancelReason.ToString());
            if (outcome.Status == GenerationStatus.Failed)
            {
                activity.SetTag(TelemetryTags.ErrorType, outcome.Stage);
            }

            activity.SetStatus(outcome.Status == GenerationStatus.Failed ? ActivityStatusCode.Error : ActivityStatusCode.Ok, outcome.Error);
            activity.Stop();
        }

        if (outcome.IsUnstored)
        {
            await EndUnstoredAsync(run).ConfigureAwait(false);
            return;
        }

        try
        {
            if (outcome.IsInterrupted)
            {
                // The run resumes at the next start (or on another instance): no terminal event, the record says so.
                run.Interrupted = true;
                await records.UpdateAsync(run.GenerationId, new GenerationRecordUpdate { InterruptedAt = timeProvider.GetUtcNow() }, CancellationToken.None)
                    .ConfigureAwait(false);
                return;
            }

            if (outcome.IsWaiting || outcome.Status is not { } status)
            {
                // Waiting: the gate wrote its event and record. No status: another instance appended the end already.
                return;
            }

            await AppendEndAsync(run, status, outcome).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.RecordEndFailed(logger, run.GenerationId, ex);
        }
    }

    private async Task AppendEndAsync(GenerationRun run, string status, RunOutcome outcome)
    {
        var progress = status == GenerationStatus.Completed ? ProgressModel.Completed : run.Progress;
        var terminal = run.CreateEvent(status, outcome.Stage!, progress, outcome.Message!, timeProvider.GetUtcNow()) with
        {
            Error = outcome.Error,
            PartialOutput = outcome.PartialOutput,
        };

        // The terminal event is the commit point: once it is in the log the generation has ended, whatever happens
        // next. The record follows it (and is repaired from the log when a crash came in between).
        try
        {
            await events.AppendTerminalAsync(run, terminal).ConfigureAwait(false);

            // An end reported from memory before (a cancel once storage came back) gives way to the stored one.
            unstoredEndings.Remove(run.GenerationId);
        }
        catch (Exception ex)
        {
            // Not stored: the run stays unfinished on record (it resumes at the next start), and its watchers are told now.
            Log.TerminalEventFailed(logger, run.GenerationId, ex);
            if (StorageFailures.IsStorageFailure(ex))
            {
                storageHealth.ReportFailure(StorageFailures.PartOf(ex));
            }

            await EndUnstoredAsync(run).ConfigureAwait(false);
            return;
        }

        await records.UpdateAsync(run.GenerationId, new GenerationRecordUpdate { Status = status }, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// Ends a run whose progress or end storage refused: no terminal event on record (the run resumes at the next start,
    /// or on another instance), and a <c>storage_unavailable</c> end in memory that this instance's snapshot and streams report.
    /// </summary>
    private async Task EndUnstoredAsync(GenerationRun run)
    {
        run.Interrupted = true;
        if (run.LastSequence == 0)
        {
            // Nothing appended by this run: number the end after what the log holds (reads work on a full disk).
            try
            {
                if (await eventLog.GetLatestAsync(run.GenerationId, CancellationToken.None).ConfigureAwait(false) is { } latest)
                {
                    run.LastSequence = latest.Sequence;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.TerminalEventFailed(logger, run.GenerationId, ex);
            }
        }

        var error = messages.StorageUnavailable();
        var end = run.CreateEvent(GenerationStatus.Failed, UnstoredEndings.Stage, run.Progress, messages.Failed(run.Record, error), timeProvider.GetUtcNow()) with
        {
            Error = error,
        };
        unstoredEndings.Add(EventLogEntry.Create(run.LastSequence + 1, end));
        run.SignalEndedUnstored();
        RunEvents.NoFirstEvent(run);
        Log.RunEndedUnstored(logger, run.GenerationId, run.LastSequence + 1);

        try
        {
            await records.UpdateAsync(run.GenerationId, new GenerationRecordUpdate { InterruptedAt = timeProvider.GetUtcNow() }, CancellationToken.None)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The record shows it unfinished either way: it resumes at the next start.
            Log.RecordEndFailed(logger, run.GenerationId, ex);
        }
    }
}
