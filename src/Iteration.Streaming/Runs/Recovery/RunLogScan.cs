using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Runs.Recovery;

/// <summary>
/// What one read of a generation's log tells a run that continues it: whether it ended, the highest phase whose
/// completion it holds, and how long each phase took (from its last <c>phase_{n}_started</c> to its
/// <c>phase_{n}_complete</c>), from which a resumed run or a retry estimates its time left.
/// </summary>
/// <param name="EndedWith">The terminal status, when the log holds a terminal event.</param>
/// <param name="PhasesCompleted">The highest phase number with a <c>phase_{n}_complete</c> event.</param>
/// <param name="PhaseDurations">Measured phase durations by phase number.</param>
/// <param name="InputsReceived">How many <c>input_received</c> events it holds (one per input the run took).</param>
/// <param name="WaitingAt">When its latest event says the run waits at a review gate: what that gate asks.</param>
internal sealed record RunLogScan(string? EndedWith, int PhasesCompleted, IReadOnlyDictionary<int, TimeSpan> PhaseDurations, int InputsReceived = 0, InputRequest? WaitingAt = null)
{
    public static readonly RunLogScan Empty = new(null, 0, new Dictionary<int, TimeSpan>());

    /// <summary>Reads the log of <paramref name="generationId"/> once; <see cref="Empty"/> when it has none.</summary>
    public static async Task<RunLogScan> ReadAsync(IGenerationEventLog eventLog, string generationId, CancellationToken cancellationToken)
    {
        EventLogEntry? latest;
        try
        {
            latest = await eventLog.GetLatestAsync(generationId, cancellationToken).ConfigureAwait(false);
        }
        catch (GenerationNotFoundException)
        {
            return Empty;
        }

        if (latest is null)
        {
            return Empty;
        }

        var completed = 0;
        var inputs = 0;
        var started = new Dictionary<int, DateTimeOffset>();
        var durations = new Dictionary<int, TimeSpan>();
        var subscription = await eventLog.SubscribeAsync(generationId, 0, cancellationToken).ConfigureAwait(false);
        await using (subscription.ConfigureAwait(false))
        {
            while (subscription.LastSequence < latest.Sequence && await subscription.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (subscription.TryRead(out var entry))
                {
                    var progressEvent = entry.Event;
                    if (progressEvent.Stage == GenerationStages.InputReceived)
                    {
                        inputs++;
                    }

                    if (GenerationStages.TryGetPhase(progressEvent.Stage, out var phase))
                    {
                        if (progressEvent.Stage.EndsWith("_started", StringComparison.Ordinal))
                        {
                            started[phase] = progressEvent.Timestamp;
                        }
                        else if (progressEvent.Stage.EndsWith("_complete", StringComparison.Ordinal))
                        {
                            completed = Math.Max(completed, phase);
                            if (started.Remove(phase, out var from) && progressEvent.Timestamp > from)
                            {
                                durations[phase] = progressEvent.Timestamp - from;
                            }
                        }
                    }

                    if (entry.Sequence >= latest.Sequence)
                    {
                        break;
                    }
                }
            }
        }

        var waiting = latest.Event.Status == GenerationStatus.AwaitingInput ? latest.Event.InputRequest : null;
        return new RunLogScan(latest.IsTerminal ? latest.Event.Status : null, completed, durations, inputs, waiting);
    }
}
