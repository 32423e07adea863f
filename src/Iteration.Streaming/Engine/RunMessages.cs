using System.Globalization;

namespace Iteration.Streaming.Engine;

/// <summary>The wording of the engine's events, in one place.</summary>
internal static class RunMessages
{
    public const string Cancelled = "Generation cancelled";

    public const string Shutdown = "Generation cancelled: the host is shutting down";

    public const string FileManagement = "Organizing and saving files...";

    public const string QualityAssessment = "Running quality assessment...";

    /// <summary>"Starting classic generation...".</summary>
    public static string Starting(GenerationRun run) => run.Definition.RetryOf is { } retried
        ? $"Retrying generation {retried} with the {run.Mode.GenerationMode} pipeline..."
        : $"Starting {run.Mode.GenerationMode} {(run.Definition.ParentGenerationId is null ? "generation" : "iteration")}...";

    public static string CodeGeneration(GenerationRun run) => $"Generating code using {run.Mode.GenerationMode} AI pipeline...";

    public static string Queued(int position) =>
        string.Create(CultureInfo.InvariantCulture, $"Waiting for a free generation slot (position {position} in the queue)");

    public static string PhasedStart(int entities) =>
        string.Create(CultureInfo.InvariantCulture, $"Starting phased generation for {entities} {(entities == 1 ? "entity" : "entities")}");

    public static string PhaseStarted(PlannedPhase phase) =>
        string.Create(CultureInfo.InvariantCulture, $"Phase {phase.Number} started: {phase.Name}");

    public static string PhaseComplete(PlannedPhase phase, int written) => string.Create(
        CultureInfo.InvariantCulture,
        $"Phase {phase.Number} complete: Generated {written} {phase.FilesDescription} {Files(written)}");

    /// <summary>"Resumed after a restart: phases 1–2 kept (9 files)", or "Resumed on another instance: …" after a takeover.</summary>
    public static string Resumed(RunStart start, string? retryOf, int phasesKept, int filesKept, int totalPhases)
    {
        var why = start switch
        {
            RunStart.Retry => $"Retrying generation {retryOf}",
            RunStart.Takeover => "Resumed on another instance",
            _ => "Resumed after a restart",
        };
        var kept = phasesKept switch
        {
            0 => "no phase was saved yet",
            1 => string.Create(CultureInfo.InvariantCulture, $"phase 1 kept ({filesKept} {Files(filesKept)})"),
            _ => string.Create(CultureInfo.InvariantCulture, $"phases 1\u2013{phasesKept} kept ({filesKept} {Files(filesKept)})"),
        };
        var next = phasesKept < totalPhases
            ? string.Create(CultureInfo.InvariantCulture, $", continuing with phase {phasesKept + 1}")
            : ", every phase was saved";
        return $"{why}: {kept}{next}";
    }

    public static string Completed(bool iteration, int count) => string.Create(
        CultureInfo.InvariantCulture,
        $"{(iteration ? "Iteration" : "Generation")} completed successfully with {count} {Files(count)}");

    public static string Failed(GenerationRun run, string reason) => $"{Capitalise(run.Mode.GenerationMode)} generation failed: {reason}";

    public static string InternalError(int? phase, string? phaseName, string reference) => phase is { } number
        ? string.Create(CultureInfo.InvariantCulture, $"An internal error stopped phase {number} ({phaseName}). Reference: {reference}.")
        : $"An internal error stopped the generation. Reference: {reference}.";

    public static string TimedOut(TimeSpan idleTimeout) =>
        string.Create(CultureInfo.InvariantCulture, $"The generation emitted no progress for {Describe(idleTimeout)} (IdleTimeout) and was stopped.");

    public static string TooManyInterruptions(int interruptions, int maxResumeAttempts) => string.Create(
        CultureInfo.InvariantCulture,
        $"The generation was interrupted {interruptions} times (restarts or lost instances) and is not resumed again (MaxResumeAttempts is {maxResumeAttempts}); retry it to continue from its saved phases.");

    public const string NotResumed =
        "The generation was interrupted and this host does not resume interrupted runs (ResumeInterruptedRuns is off); retry it to continue from its saved phases.";

    private static string Files(int count) => count == 1 ? "file" : "files";

    private static string Capitalise(string value) =>
        value.Length == 0 ? value : string.Concat(char.ToUpperInvariant(value[0]).ToString(), value.AsSpan(1));

    private static string Describe(TimeSpan span) =>
        span.TotalMinutes >= 1 && span.Seconds == 0 && span.Milliseconds == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalMinutes:0.##} minutes")
            : string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.###} seconds");
}
