using System.Text.Json;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Runs;

/// <summary>
/// How a run's stint on this instance ended: a terminal event to append, none (another instance appended it), an
/// interruption (it resumes later), an end that storage refused, or a stop at a review gate (its user continues it).
/// </summary>
internal sealed record RunOutcome(
    string? Status,
    string? Stage,
    string? Message,
    string? Error = null,
    IReadOnlyDictionary<string, JsonElement>? PartialOutput = null,
    bool IsInterrupted = false,
    bool IsUnstored = false,
    bool IsWaiting = false,
    RetryPlan? Retry = null)
{
    public static readonly RunOutcome NoTerminal = new(null, null, null);

    public static readonly RunOutcome Interrupted = new(null, null, null, IsInterrupted: true);

    /// <summary>Storage refused the run's progress: it ends as <see cref="RunEnding"/> says for an unstored end.</summary>
    public static readonly RunOutcome Unstored = new(null, null, null, IsUnstored: true);

    /// <summary>The run waits at a review gate: its gate event and record are written; it gives back its slot.</summary>
    public static readonly RunOutcome Waiting = new(GenerationStatus.AwaitingInput, GenerationStages.AwaitingInput, null, IsWaiting: true);

    public static RunOutcome Cancelled(string message) => new(GenerationStatus.Cancelled, GenerationStages.Cancelled, message);
}

/// <summary>A transient failure that is retried: the cause, which attempt comes next, and when.</summary>
/// <param name="Cause">What failed, for the user ("Model unavailable (HTTP 503)").</param>
/// <param name="Attempt">The attempt that comes next (2 for the first retry).</param>
/// <param name="MaxAttempts">The most attempts (<c>Retries:MaxAttempts</c>).</param>
/// <param name="Delay">The wait before it.</param>
internal sealed record RetryPlan(string Cause, int Attempt, int MaxAttempts, TimeSpan Delay);
