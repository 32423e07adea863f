using System.Diagnostics;
using System.Security.Cryptography;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Diagnostics;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Records;
using Iteration.Streaming.Budgets;
using Iteration.Streaming.Runs.Budgets;
using Iteration.Streaming.Runs.Retries;
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
    IBudgetPolicy? budgetPolicy,
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
            case CancelReason.Budget:
            case CancelReason.InvalidUsage:
                var stopError = run.StopError ?? messages.InternalError(null, "spend");
                Log.RunStoppedBySpend(logger, run.GenerationId, stopError);
                return new RunOutcome(
                    GenerationStatus.Failed,
                    run.CancelReason == CancelReason.Budget ? GenerationStages.BudgetExceeded : GenerationStages.Error,
                    messages.Failed(run.Record, stopError),
                    stopError,
                    PartialOutput: SpendOutput.AddTo(null, run.Spend.HasUsage ? run.Spend.Total() : null));
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

    public RunOutcome Failed(GenerationRun run, string stage, PlannedPhase? phase, Exception exception, string? transientReason = null)
    {
        string reason;
        if (transientReason is not null)
        {
            // The model stayed unavailable: say so, not "internal error".
            reason = transientReason;
            Log.RunFailed(logger, run.GenerationId, stage, exception);
        }
        else if (exception is GenerationFailedException or Files.InvalidGeneratedFileException)
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

    /// <summary>A transient failure that is retried after <paramref name="retry"/>'s backoff.</summary>
    public RunOutcome RetryLater(GenerationRun run, RunPosition position, Exception exception, RetryPlan retry)
    {
        Log.RetryScheduled(logger, run.GenerationId, retry.Cause, retry.Attempt, retry.MaxAttempts, retry.Delay.TotalMilliseconds, exception);
        metrics.RetryScheduled(run.Mode.GenerationMode, retry.Cause);
        Activity.Current?.AddException(exception);
        var message = messages.RetryScheduled(retry.Cause, position.Phase, retry.Delay, retry.Attempt, retry.MaxAttempts);
        return new RunOutcome(GenerationStatus.Processing, GenerationStages.Resumed, message, Retry: retry);
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
                await records.UpdateAsync(run.GenerationId, WithSpend(run, new GenerationRecordUpdate { InterruptedAt = timeProvider.GetUtcNow() }), CancellationToken.None)
                    .ConfigureAwait(false);
                return;
            }

            if (outcome.Retry is { } retry)
            {
                await AppendRetryAsync(run, outcome.Message!, retry).ConfigureAwait(false);
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

        await records.UpdateAsync(
            run.GenerationId,
            WithSpend(run, new GenerationRecordUpdate { Status = status, Stage = terminal.Stage, Progress = terminal.Progress, ClearRetryAt = true }),
            CancellationToken.None).ConfigureAwait(false);
        await SettleAsync(run.Record.UserId, run.GenerationId, run.Spend.Total().Usage.TotalTokens).ConfigureAwait(false);
    }

    /// <summary>
    /// Announces an automatic retry (a <c>resumed</c> event naming the cause and the attempt), keeps when it is due on the
    /// record (a restart or a takeover honours it) and hands it to <see cref="OnRetryScheduled"/>, which resumes the run then.
    /// </summary>
    private async Task AppendRetryAsync(GenerationRun run, string message, RetryPlan retry)
    {
        var now = timeProvider.GetUtcNow();
        var announcement = run.CreateEvent(GenerationStatus.Processing, GenerationStages.Resumed, run.Progress, message, now);
        try
        {
            await events.AppendAsync(run, announcement).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.TerminalEventFailed(logger, run.GenerationId, ex);
            if (StorageFailures.IsStorageFailure(ex))
            {
                storageHealth.ReportFailure(StorageFailures.PartOf(ex));
            }

            await EndUnstoredAsync(run).ConfigureAwait(false);
            return;
        }

        var due = now + retry.Delay;
        await records.UpdateAsync(
            run.GenerationId,
            WithSpend(run, new GenerationRecordUpdate { RetryAt = due, AutoRetries = retry.Attempt - 1, Stage = GenerationStages.Resumed, Progress = run.Progress }),
            CancellationToken.None).ConfigureAwait(false);
        OnRetryScheduled?.Invoke(run.GenerationId, due);
    }

    /// <summary>Called when an automatic retry is kept on record: resumes the generation when it is due.</summary>
    public Action<string, DateTimeOffset>? OnRetryScheduled { get; set; }

    /// <summary>
    /// Tells the budget policy what an ended generation spent, so what it reserved and did not use comes back. Never
    /// fails the end: a settlement that cannot be kept leaves the reservation until its day passes.
    /// </summary>
    public async Task SettleAsync(string? userId, string generationId, long usedTokens)
    {
        if (budgetPolicy is null)
        {
            return;
        }

        try
        {
            await budgetPolicy.SettleAsync(new BudgetSettlement { GenerationId = generationId, UserId = userId, UsedTokens = usedTokens }, CancellationToken.None)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.BudgetSettleFailed(logger, generationId, ex);
        }
    }

    /// <summary>Adds what the run spent (over all attempts, the unsaved phase included) to a record change.</summary>
    private static GenerationRecordUpdate WithSpend(GenerationRun run, GenerationRecordUpdate update)
    {
        if (!run.Spend.HasUsage)
        {
            return update;
        }

        var (usage, cost) = run.Spend.Total();
        return update with { Usage = usage, Cost = cost };
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
