using System.Text.Json;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Diagnostics;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Runs;

/// <summary>
/// Appends the events of runs this instance holds, one at a time per run (the run's task and an input that arrives
/// while it runs may both append), with progress that never goes back. The only place a run's first event is signalled.
/// </summary>
internal sealed class RunEvents(
    IGenerationEventLog eventLog,
    IOptionsMonitor<IterationStreamingOptions> options,
    TimeProvider timeProvider,
    IterationStreamingMessages messages,
    ILogger logger)
{
    public TimeProvider Clock => timeProvider;

    /// <summary>Appends the <c>queued</c> event of a run that waits for a slot.</summary>
    public ValueTask AppendQueuedAsync(GenerationRun run, int position)
    {
        Log.RunQueued(logger, run.GenerationId, position, options.CurrentValue.MaxConcurrentGenerations);
        return AppendAsync(run, run.CreateEvent(GenerationStatus.Queued, GenerationStages.Queued, ProgressModel.Queued, messages.Queued(position), timeProvider.GetUtcNow()));
    }

    /// <summary>Appends a <c>processing</c> event of <paramref name="run"/> with the run's estimate.</summary>
    public ValueTask EmitAsync(
        GenerationRun run,
        string stage,
        double progress,
        string message,
        PhaseInfo? phaseInfo = null,
        string? currentFile = null,
        IReadOnlyDictionary<string, JsonElement>? partialOutput = null) =>
        AppendAsync(run, run.CreateEvent(GenerationStatus.Processing, stage, progress, message, timeProvider.GetUtcNow()) with
        {
            EstimatedTimeRemaining = EstimateRemaining(run),
            PhaseInfo = phaseInfo,
            CurrentFile = currentFile,
            PartialOutput = partialOutput,
        });

    /// <summary>
    /// Appends the event <paramref name="build"/> makes under the run's append lock (so its progress is current and no
    /// other append of the run comes between the decision and the append); nothing when it makes none.
    /// </summary>
    /// <returns>The event's sequence number, or <see langword="null"/> when nothing was appended.</returns>
    public async ValueTask<long?> AppendIfAsync(GenerationRun run, Func<GenerationRun, StreamingProgressEvent?> build)
    {
        await run.AppendLock.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            return build(run) is { } progressEvent ? await AppendLockedAsync(run, progressEvent).ConfigureAwait(false) : null;
        }
        finally
        {
            run.AppendLock.Release();
        }
    }

    /// <summary>
    /// Appends a live event and, still under the run's append lock, applies what it carries to the run's live state, so
    /// a reader holding the lock sees the text and the last sequence agree.
    /// </summary>
    public async ValueTask<long> AppendLiveAsync(GenerationRun run, StreamingProgressEvent progressEvent, Action applied)
    {
        await run.AppendLock.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            var sequence = await AppendLockedAsync(run, progressEvent).ConfigureAwait(false);
            applied();
            return sequence;
        }
        finally
        {
            run.AppendLock.Release();
        }
    }

    public async ValueTask AppendAsync(GenerationRun run, StreamingProgressEvent progressEvent)
    {
        await run.AppendLock.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await AppendLockedAsync(run, progressEvent).ConfigureAwait(false);
        }
        finally
        {
            run.AppendLock.Release();
        }
    }

    /// <summary>Appends a terminal event (the commit point of the end).</summary>
    public async ValueTask AppendTerminalAsync(GenerationRun run, StreamingProgressEvent terminal)
    {
        await run.AppendLock.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            var entry = await eventLog.AppendAsync(terminal, CancellationToken.None).ConfigureAwait(false);
            run.LastSequence = entry.Sequence;
        }
        finally
        {
            run.AppendLock.Release();
        }

        run.FirstEventSignal.TrySetResult();
    }

    /// <summary>A run that continues a log starts from the progress its log reached, so progress never goes back.</summary>
    public async Task SeedProgressAsync(GenerationRun run)
    {
        try
        {
            if (await eventLog.GetLatestAsync(run.GenerationId, CancellationToken.None).ConfigureAwait(false) is { } latest)
            {
                run.Advance(latest.Event.Progress);
                run.LastSequence = Math.Max(run.LastSequence, latest.Sequence);
            }
        }
        catch (GenerationNotFoundException)
        {
        }
    }

    /// <summary>The latest event of a generation's log, or <see langword="null"/>.</summary>
    public async Task<EventLogEntry?> LatestAsync(string generationId)
    {
        try
        {
            return await eventLog.GetLatestAsync(generationId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (GenerationNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The run's first event will never come (it ended before, or could not append it): its waiters stop waiting.</summary>
    public static void NoFirstEvent(GenerationRun run, Exception? error = null)
    {
        if (error is null)
        {
            run.FirstEventSignal.TrySetResult();
        }
        else
        {
            run.FirstEventSignal.TrySetException(error);
        }
    }

    public double? EstimateRemaining(GenerationRun run) => run.Estimate?.Remaining(timeProvider);

    private async ValueTask<long> AppendLockedAsync(GenerationRun run, StreamingProgressEvent progressEvent)
    {
        var entry = await eventLog.AppendAsync(progressEvent, CancellationToken.None).ConfigureAwait(false);
        run.LastSequence = entry.Sequence;
        run.Touch();
        run.FirstEventSignal.TrySetResult();
        return entry.Sequence;
    }
}
