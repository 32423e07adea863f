using System.Globalization;

namespace Iteration.Streaming.Events;

/// <summary>
/// The values of <see cref="StreamingProgressEvent.Stage"/> on the wire, in the order a run emits them.
/// </summary>
public static class GenerationStages
{
    /// <summary>Waiting for a free run slot.</summary>
    public const string Queued = "queued";

    /// <summary>The run has started.</summary>
    public const string Initializing = "initializing";

    /// <summary>The generator pipeline is being prepared.</summary>
    public const string CodeGeneration = "code_generation";

    /// <summary>The phase plan is known; <see cref="PhaseInfo.TotalPhases"/> is set.</summary>
    public const string PhasedGenerationStarted = "phased_generation_started";

    /// <summary>Files are finalised and the archive is made available.</summary>
    public const string FileManagement = "file_management";

    /// <summary>A warning from comparing an iteration with its parent (only emitted with a warning).</summary>
    public const string Validation = "validation";

    /// <summary>The quality assessor runs.</summary>
    public const string QualityAssessment = "quality_assessment";

    /// <summary>The run finished successfully.</summary>
    public const string Completed = "completed";

    /// <summary>The run failed.</summary>
    public const string Error = "error";

    /// <summary>The run failed because it emitted nothing for the configured idle timeout.</summary>
    public const string Timeout = "timeout";

    /// <summary>The run was cancelled.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>
    /// The run's progress or end could not be stored (a full disk, an unreachable store): reported with status
    /// <c>failed</c> from the memory of the instance that ran it. The run is not lost: it resumes from its saved phases
    /// once storage is back (at the next start), continuing the same log.
    /// </summary>
    public const string StorageUnavailable = "storage_unavailable";

    /// <summary>
    /// The run crossed its token budget and stopped (status <see cref="GenerationStatus.Failed"/>): its saved phases stay,
    /// and a retry with a higher budget continues from the last of them.
    /// </summary>
    public const string BudgetExceeded = "budget_exceeded";

    /// <summary>
    /// A run continues after an interruption (restart, lost owner, hand-over), a retry reuses saved phases, or a
    /// transient failure (the model unavailable) is retried from the last saved phase: sent before the next phase, with
    /// the phases kept named in its message and <c>phase_info</c>.
    /// </summary>
    public const string Resumed = "resumed";

    /// <summary>The run stopped at a review gate and waits for its user (status <see cref="GenerationStatus.AwaitingInput"/>).</summary>
    public const string AwaitingInput = "awaiting_input";

    /// <summary>The run took its user's input (approval, a revised plan, edits, locks, an instruction).</summary>
    public const string InputReceived = "input_received";

    private const string PhasePrefix = "phase_";

    /// <summary>The stage that opens phase <paramref name="phase"/>: <c>phase_{n}_started</c>.</summary>
    /// <param name="phase">The 1-based phase number.</param>
    public static string PhaseStarted(int phase) => Phase(phase, "_started");

    /// <summary>The stage of a per-file progress event inside phase <paramref name="phase"/>: <c>phase_{n}_progress</c>.</summary>
    /// <param name="phase">The 1-based phase number.</param>
    public static string PhaseProgress(int phase) => Phase(phase, "_progress");

    /// <summary>The stage that closes phase <paramref name="phase"/> once its files are saved: <c>phase_{n}_complete</c>.</summary>
    /// <param name="phase">The 1-based phase number.</param>
    public static string PhaseComplete(int phase) => Phase(phase, "_complete");

    /// <summary>
    /// Parses a <c>phase_{n}_…</c> stage into its phase number.
    /// </summary>
    /// <param name="stage">A stage value.</param>
    /// <param name="phase">The phase number, when the stage is a phase stage.</param>
    /// <returns><see langword="true"/> when <paramref name="stage"/> is a phase stage.</returns>
    public static bool TryGetPhase(string? stage, out int phase)
    {
        phase = 0;
        if (stage is null || !stage.StartsWith(PhasePrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = stage.AsSpan(PhasePrefix.Length);
        var underscore = rest.IndexOf('_');
        return underscore > 0
            && int.TryParse(rest[..underscore], NumberStyles.None, CultureInfo.InvariantCulture, out phase)
            && phase > 0;
    }

    private static string Phase(int phase, string suffix)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(phase, 1);
        return string.Create(CultureInfo.InvariantCulture, $"{PhasePrefix}{phase}{suffix}");
    }
}
