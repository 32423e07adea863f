using System.Diagnostics;
using Iteration.Streaming.Diagnostics;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Runs.Retries;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Runs;

/// <summary>
/// A run's stint on this instance, from its slot to its end: opens its span and its service scope, runs its stages
/// (<see cref="RunStages"/>), turns whatever stopped them into an outcome and hands that to <see cref="RunEnding"/>:
/// a terminal event, an interruption (it resumes later), an end storage refused, or a wait at a review gate.
/// </summary>
/// <remarks>
/// When storage refuses a write of the run (its log, record or files: <see cref="StorageFailures"/>), the run ends
/// without a terminal event on record, as an interrupted run does, and its watchers get a <c>storage_unavailable</c> end
/// from memory (<see cref="UnstoredEndings"/>). At the next start it resumes from its saved phases: no work is lost, and
/// no event id that a client holds is missing from the log (the <c>resumed</c> event takes the number of the end that
/// was only in memory). Storing a failed end instead would stop a run that only needed its disk back.
/// </remarks>
internal sealed class RunPipeline(
    RunStages stages,
    RunEnding ending,
    RunEvents events,
    IServiceScopeFactory scopes,
    IOptionsMonitor<IterationStreamingOptions> options,
    TimeProvider timeProvider,
    EngineMetrics metrics,
    IterationStreamingMessages messages,
    ILogger logger)
{
    /// <summary>Runs <paramref name="run"/> to its terminal event, to a review gate, or until it is interrupted.</summary>
    public async Task RunAsync(GenerationRun run)
    {
        // The run outlives the request that started it: its span is a root linked to that request, not its child.
        Activity.Current = null;
        using var activity = IterationStreamingDiagnostics.ActivitySource.StartActivity(
            TelemetryTags.RunSpan,
            ActivityKind.Internal,
            parentContext: default,
            tags:
            [
                new(TelemetryTags.GenerationId, run.GenerationId),
                new(TelemetryTags.GenerationParentId, run.Definition.ParentGenerationId),
                new(TelemetryTags.GenerationMode, run.Mode.GenerationMode),
                new(TelemetryTags.GenerationStart, run.Start.ToString()),
            ],
            links: run.StartedFrom == default ? null : [new ActivityLink(run.StartedFrom)]);

        var settings = options.CurrentValue;
        run.StartedAt = timeProvider.GetUtcNow();
        run.StartWatchdog(timeProvider, settings.IdleTimeout);
        metrics.RunStarted(run.Mode.GenerationMode);
        Log.RunStarted(logger, run.GenerationId, run.Definition.ParentGenerationId, run.Mode.GenerationMode);

        var position = new RunPosition();
        RunOutcome outcome;
        try
        {
            // A retry that a restart or a takeover brought here before it was due waits out the rest of its backoff.
            if (run.Record.RetryAt is { } due && due > timeProvider.GetUtcNow())
            {
                await Task.Delay(due - timeProvider.GetUtcNow(), timeProvider, run.Token).ConfigureAwait(false);
            }

            var scope = scopes.CreateAsyncScope();
            await using (scope.ConfigureAwait(false))
            {
                outcome = await stages.RunAsync(run, scope.ServiceProvider, position, settings).ConfigureAwait(false);
            }
        }
        catch (Exception) when (run.Token.IsCancellationRequested)
        {
            outcome = ending.Stopped(run, settings);
        }
        catch (Exception ex) when (!StorageFailures.IsStorageFailure(ex) && TransientFailures.Classify(ex) is var (cause, retryAfter))
        {
            // The model is unavailable for now: the same generation goes on from its last saved phase after a backoff.
            var retries = settings.Retries;
            var attempt = run.Record.AutoRetries + 2;
            var delay = RetryBackoff.Delay(attempt - 1, retryAfter, retries, Random.Shared.NextDouble());
            outcome = attempt <= retries.MaxAttempts && delay is { } wait
                ? ending.RetryLater(run, position, ex, new RetryPlan(cause, attempt, retries.MaxAttempts, wait))
                : ending.Failed(run, position.Stage, position.Phase, ex, delay is null
                    ? messages.RetryAfterTooLong(Detail(ex, cause), retryAfter!.Value, retries.MaxDelay)
                    : attempt > 2 ? messages.RetriesExhausted(Detail(ex, cause), attempt - 1) : Detail(ex, cause));
        }
        catch (Exception ex)
        {
            outcome = StorageFailures.IsStorageFailure(ex)
                ? ending.StorageUnavailable(run, position.Stage, ex)
                : ending.Failed(run, position.Stage, position.Phase, ex);
            RunEvents.NoFirstEvent(run, ex);
        }

        await ending.EndAsync(run, activity, outcome, started: true).ConfigureAwait(false);
    }

    /// <summary>What the user is told of a transient failure: the generator's own wording when it gave one, else the cause.</summary>
    private static string Detail(Exception exception, string cause) =>
        exception is Generation.TransientGenerationException { InnerException: Generation.GenerationFailedException described } ? described.Message : cause;

    /// <summary>Ends a run that never left the queue here.</summary>
    public Task EndQueuedAsync(GenerationRun run, CancelReason reason) =>
        ending.EndAsync(run, null, ending.Dequeued(run, reason), started: false);

    /// <summary>Ends a generation on record that no run of this process will continue (resumed too often, not resumed, ended at a gate).</summary>
    public async Task EndUnrunAsync(GenerationRun run, RunOutcome outcome)
    {
        await events.SeedProgressAsync(run).ConfigureAwait(false);
        await ending.EndAsync(run, null, outcome, started: false).ConfigureAwait(false);
    }
}
