using System.Globalization;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Modes;
using Iteration.Streaming.Records;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Engine;

/// <summary>
/// The wording of every <c>message</c> (and of the engine's own <c>error</c> texts) the engine puts on a run's events:
/// one replaceable place. Derive from it, override what to word differently, and register the subclass
/// (<c>services.AddSingleton&lt;IterationStreamingMessages, MyMessages&gt;()</c>, before or after
/// <c>AddIterationStreaming</c>).
/// </summary>
/// <remarks>
/// <para>
/// A message is worded once, when its event is appended, and every watcher reads the same stored text (replays and other
/// instances included). Runs execute in the background, where no request's culture applies, so the default wording is
/// English with invariant number formatting whatever the thread's culture. A host that localises words its events in
/// the one language its users read (for example from its own setting); a client that needs several languages words
/// them itself from <c>stage</c>, <c>status</c> and <c>phase_info</c>, which never change.
/// </para>
/// <para>
/// The run's generation mode appears in the wording (and on the events) only when modes are configured
/// (<see cref="GenerationModeAssignment.Reported"/>): without an A/B split a run "starts generation", with one it
/// "starts classic generation".
/// </para>
/// </remarks>
public class IterationStreamingMessages
{
    /// <summary>The <c>queued</c> event: "Waiting for a free generation slot (position 2 in the queue)".</summary>
    /// <param name="position">The run's position in the queue, from 1.</param>
    /// <returns>The message.</returns>
    public virtual string Queued(int position) =>
        string.Create(CultureInfo.InvariantCulture, $"Waiting for a free generation slot (position {position} in the queue)");

    /// <summary>
    /// The <c>initializing</c> event: "Starting generation...", "Starting iteration...", "Retrying generation X...";
    /// with modes configured "Starting classic generation...".
    /// </summary>
    /// <param name="generation">The generation as admitted.</param>
    /// <returns>The message.</returns>
    public virtual string Starting(GenerationRecord generation)
    {
        ArgumentNullException.ThrowIfNull(generation);
        var mode = ReportedMode(generation);
        if (generation.RetryOf is { } retried)
        {
            return mode is null ? $"Retrying generation {retried}..." : $"Retrying generation {retried} with the {mode} pipeline...";
        }

        if (generation.ForkedFrom is { } forked)
        {
            return string.Create(CultureInfo.InvariantCulture, $"Forking generation {forked} after phase {generation.FromPhase}...");
        }

        if (generation.Revert is { } revert)
        {
            return string.Create(CultureInfo.InvariantCulture, $"Reverting {revert.Paths.Count} {Files(revert.Paths.Count)} of generation {generation.ParentGenerationId} to {revert.To}...");
        }

        var what = generation.ParentGenerationId is null ? "generation" : "iteration";
        return mode is null ? $"Starting {what}..." : $"Starting {mode} {what}...";
    }

    /// <summary>The <c>code_generation</c> event: "Generating code..."; with modes configured "Generating code using classic AI pipeline...".</summary>
    /// <param name="generation">The generation as admitted.</param>
    /// <returns>The message.</returns>
    public virtual string CodeGeneration(GenerationRecord generation)
    {
        ArgumentNullException.ThrowIfNull(generation);
        return ReportedMode(generation) is { } mode ? $"Generating code using {mode} AI pipeline..." : "Generating code...";
    }

    /// <summary>The <c>phased_generation_started</c> event: "Starting phased generation for 2 entities".</summary>
    /// <param name="entityCount">How many entities the request named.</param>
    /// <returns>The message.</returns>
    public virtual string PhasedStart(int entityCount) =>
        string.Create(CultureInfo.InvariantCulture, $"Starting phased generation for {entityCount} {(entityCount == 1 ? "entity" : "entities")}");

    /// <summary>The <c>phase_{n}_started</c> event: "Phase 2 started: User Entity".</summary>
    /// <param name="phase">The phase.</param>
    /// <returns>The message.</returns>
    public virtual string PhaseStarted(PlannedPhase phase)
    {
        ArgumentNullException.ThrowIfNull(phase);
        return string.Create(CultureInfo.InvariantCulture, $"Phase {phase.Number} started: {phase.Name}");
    }

    /// <summary>A <c>phase_{n}_progress</c> event for a file the generator yielded: "Generated src/app.ts".</summary>
    /// <param name="path">The file's path.</param>
    /// <returns>The message.</returns>
    public virtual string FileGenerated(string path) => "Generated " + path;

    /// <summary>A <c>phase_{n}_progress</c> event for a file the generator deleted: "Deleted src/old.ts".</summary>
    /// <param name="path">The file's path.</param>
    /// <returns>The message.</returns>
    public virtual string FileDeleted(string path) => "Deleted " + path;

    /// <summary>A <c>phase_{n}_progress</c> event the generator reported while writing a file: "Writing src/app.ts".</summary>
    /// <param name="path">The file's path.</param>
    /// <returns>The message.</returns>
    public virtual string FileWriting(string path) => "Writing " + path;

    /// <summary>The <c>phase_{n}_complete</c> event: "Phase 1 complete: Generated 5 core infrastructure files".</summary>
    /// <param name="phase">The phase.</param>
    /// <param name="filesWritten">How many files the phase wrote.</param>
    /// <returns>The message.</returns>
    public virtual string PhaseComplete(PlannedPhase phase, int filesWritten)
    {
        ArgumentNullException.ThrowIfNull(phase);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"Phase {phase.Number} complete: Generated {filesWritten} {phase.FilesDescription} {Files(filesWritten)}");
    }

    /// <summary>
    /// The <c>resumed</c> event: "Resumed after a restart: phases 1–2 kept (9 files), continuing with phase 3",
    /// "Resumed on another instance: …", or for a retry "Phases 1–2 of generation X kept (9 files), continuing with phase 3".
    /// </summary>
    /// <param name="generation">The generation as admitted (for a retry, the new one; <see cref="GenerationRecord.RetryOf"/> names the old).</param>
    /// <param name="reason">Why the run continues from saved phases.</param>
    /// <param name="phasesKept">How many phases were saved before.</param>
    /// <param name="filesKept">How many files those phases hold.</param>
    /// <param name="totalPhases">How many phases the plan has.</param>
    /// <returns>The message.</returns>
    public virtual string Resumed(GenerationRecord generation, ResumeReason reason, int phasesKept, int filesKept, int totalPhases)
    {
        ArgumentNullException.ThrowIfNull(generation);
        var files = string.Create(CultureInfo.InvariantCulture, $"{filesKept} {Files(filesKept)}");
        var phases = phasesKept == 1 ? "phase 1" : string.Create(CultureInfo.InvariantCulture, $"phases 1\u2013{phasesKept}");
        var next = phasesKept < totalPhases
            ? string.Create(CultureInfo.InvariantCulture, $", continuing with phase {phasesKept + 1}")
            : ", every phase was saved";
        if (reason == ResumeReason.Retry)
        {
            // The initializing event named the retried generation already ("Retrying generation X..."): say only what is kept.
            return phasesKept == 0
                ? $"No phase of generation {generation.RetryOf} was saved: generating every phase"
                : $"{Capitalise(phases)} of generation {generation.RetryOf} kept ({files}){next}";
        }

        if (reason == ResumeReason.Fork)
        {
            return $"{Capitalise(phases)} of generation {generation.ForkedFrom} kept ({files}){next}";
        }

        var why = reason == ResumeReason.Takeover ? "Resumed on another instance" : "Resumed after a restart";
        return phasesKept == 0 ? $"{why}: no phase was saved yet{next}" : $"{why}: {phases} kept ({files}){next}";
    }

    /// <summary>
    /// Added to the <c>resumed</c> message when the interrupted phase continues from its checkpoint: "Phase 3 continues
    /// where it stopped: src/app.ts at 1,234 characters (2 files of the phase kept)".
    /// </summary>
    /// <param name="where">Where the phase continues.</param>
    /// <returns>The sentence.</returns>
    public virtual string PhaseContinues(ResumedMidPhase where)
    {
        ArgumentNullException.ThrowIfNull(where);
        var kept = where.FilesKept == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $" ({where.FilesKept} {Files(where.FilesKept)} of the phase kept)");
        return where.File is null
            ? string.Create(CultureInfo.InvariantCulture, $"Phase {where.Phase} continues where it stopped, between two files{kept}")
            : string.Create(CultureInfo.InvariantCulture, $"Phase {where.Phase} continues where it stopped: {where.File} at {where.Chars:N0} characters{kept}");
    }

    /// <summary>
    /// Added to the <c>resumed</c> message when the interrupted phase had a checkpoint but is generated again: "Phase 3
    /// starts again from its beginning: the model's response expired".
    /// </summary>
    /// <param name="phase">The phase's number.</param>
    /// <param name="reason">Why it cannot continue.</param>
    /// <returns>The sentence.</returns>
    public virtual string PhaseStartsAgain(int phase, string reason) =>
        string.Create(CultureInfo.InvariantCulture, $"Phase {phase} starts again from its beginning: {reason}");

    /// <summary>The <c>phase_{n}_started</c> event of a phase that continues from its checkpoint: "Phase 3 continues: User Entity (src/app.ts at 1,234 characters)".</summary>
    /// <param name="phase">The phase.</param>
    /// <param name="where">Where it continues.</param>
    /// <returns>The message.</returns>
    public virtual string PhaseContinued(PlannedPhase phase, ResumedMidPhase where)
    {
        ArgumentNullException.ThrowIfNull(phase);
        ArgumentNullException.ThrowIfNull(where);
        return where.File is null
            ? string.Create(CultureInfo.InvariantCulture, $"Phase {phase.Number} continues: {phase.Name}")
            : string.Create(CultureInfo.InvariantCulture, $"Phase {phase.Number} continues: {phase.Name} ({where.File} at {where.Chars:N0} characters)");
    }

    /// <summary>The reason a phase with a checkpoint starts again when the generator cannot continue phases.</summary>
    internal const string GeneratorDoesNotContinue = "the generator does not continue an interrupted phase";

    /// <summary>The <c>file_management</c> event.</summary>
    /// <returns>The message.</returns>
    public virtual string FileManagement() => "Organizing and saving files...";

    /// <summary>The <c>validation</c> warning of an iteration that lost parent files: "⚠️ Warning: Expected ~14 files, got 12. Some parent files may be missing.".</summary>
    /// <param name="parentFileCount">How many files the parent had.</param>
    /// <param name="newFileCount">How many files the iteration has.</param>
    /// <returns>The message.</returns>
    public virtual string DataLossWarning(int parentFileCount, int newFileCount) => string.Create(
        CultureInfo.InvariantCulture,
        $"⚠️ Warning: Expected ~{parentFileCount} {Files(parentFileCount)}, got {newFileCount}. Some parent files may be missing.");

    /// <summary>The <c>quality_assessment</c> event.</summary>
    /// <returns>The message.</returns>
    public virtual string QualityAssessment() => "Running quality assessment...";

    /// <summary>The <c>completed</c> event: "Generation completed successfully with 12 files" (or "Iteration …").</summary>
    /// <param name="generation">The generation as admitted.</param>
    /// <param name="fileCount">How many files the generation holds.</param>
    /// <returns>The message.</returns>
    public virtual string Completed(GenerationRecord generation, int fileCount)
    {
        ArgumentNullException.ThrowIfNull(generation);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{(generation.ParentGenerationId is null ? "Generation" : "Iteration")} completed successfully with {fileCount} {Files(fileCount)}");
    }

    /// <summary>
    /// The <c>failed</c> event's message around its <c>error</c>: "Generation failed: {reason}"; with modes configured
    /// "Classic generation failed: {reason}".
    /// </summary>
    /// <param name="generation">The generation as admitted.</param>
    /// <param name="reason">The event's <c>error</c>: the generator's own text, or one of this class's.</param>
    /// <returns>The message.</returns>
    public virtual string Failed(GenerationRecord generation, string reason)
    {
        ArgumentNullException.ThrowIfNull(generation);
        return ReportedMode(generation) is { } mode ? $"{Capitalise(mode)} generation failed: {reason}" : $"Generation failed: {reason}";
    }

    /// <summary>The <c>error</c> of a run that an internal error stopped: the reference leads to the log entry.</summary>
    /// <param name="phase">The phase that was running, if any.</param>
    /// <param name="reference">The reference logged with the exception.</param>
    /// <returns>The error text.</returns>
    public virtual string InternalError(PlannedPhase? phase, string reference) => phase is { } running
        ? string.Create(CultureInfo.InvariantCulture, $"An internal error stopped phase {running.Number} ({running.Name}). Reference: {reference}.")
        : $"An internal error stopped the generation. Reference: {reference}.";

    /// <summary>
    /// The <c>resumed</c> event of an automatic retry: "Model unavailable (HTTP 503); retrying phase 3 in 4 s, attempt 2 of 3".
    /// </summary>
    /// <param name="cause">What failed (a <see cref="Generation.TransientGenerationException"/>'s message).</param>
    /// <param name="phase">The phase that is generated again, or <see langword="null"/> when it failed before the phases.</param>
    /// <param name="delay">The wait before the retry.</param>
    /// <param name="attempt">The attempt that comes (2 for the first retry).</param>
    /// <param name="maxAttempts">The most attempts.</param>
    /// <returns>The message.</returns>
    public virtual string RetryScheduled(string cause, PlannedPhase? phase, TimeSpan delay, int attempt, int maxAttempts)
    {
        var what = phase is { } failed ? string.Create(CultureInfo.InvariantCulture, $"retrying phase {failed.Number}") : "retrying";
        var when = delay < TimeSpan.FromSeconds(1) ? "now" : string.Create(CultureInfo.InvariantCulture, $"in {Math.Ceiling(delay.TotalSeconds):0} s");
        return string.Create(CultureInfo.InvariantCulture, $"{cause}; {what} {when}, attempt {attempt} of {maxAttempts}");
    }

    /// <summary>The <c>error</c> of a run whose transient failures outlasted its retries: "Model timed out (gave up after 3 attempts)".</summary>
    /// <param name="cause">What failed.</param>
    /// <param name="attempts">How many attempts were made.</param>
    /// <returns>The message.</returns>
    public virtual string RetriesExhausted(string cause, int attempts) =>
        string.Create(CultureInfo.InvariantCulture, $"{cause} (gave up after {attempts} {(attempts == 1 ? "attempt" : "attempts")})");

    /// <summary>The <c>error</c> of a run whose model asked to wait longer than <c>Retries:MaxDelay</c>.</summary>
    /// <param name="cause">What failed.</param>
    /// <param name="retryAfter">The wait the model asked for.</param>
    /// <param name="maxDelay">The longest wait the host allows.</param>
    /// <returns>The message.</returns>
    public virtual string RetryAfterTooLong(string cause, TimeSpan retryAfter, TimeSpan maxDelay) =>
        string.Create(CultureInfo.InvariantCulture, $"{cause}: the model asked to wait {Duration(retryAfter)}, longer than retries wait ({Duration(maxDelay)})");

    /// <summary>The <c>error</c> of a run stopped by the stall watchdog (stage <c>timeout</c>).</summary>
    /// <param name="idleTimeout">The configured <c>IdleTimeout</c>.</param>
    /// <returns>The error text.</returns>
    public virtual string TimeoutError(TimeSpan idleTimeout) =>
        string.Create(CultureInfo.InvariantCulture, $"The generation emitted no progress for {Describe(idleTimeout)} (IdleTimeout) and was stopped.");

    /// <summary>The message of a run stopped by the stall watchdog: "Generation timed out: {reason}".</summary>
    /// <param name="generation">The generation as admitted.</param>
    /// <param name="reason">The event's <c>error</c> (<see cref="TimeoutError"/>).</param>
    /// <returns>The message.</returns>
    public virtual string TimedOut(GenerationRecord generation, string reason) => "Generation timed out: " + reason;

    /// <summary>The <c>error</c> of a run interrupted more often than <c>MaxResumeAttempts</c>.</summary>
    /// <param name="interruptions">How often it was interrupted.</param>
    /// <param name="maxResumeAttempts">The configured limit.</param>
    /// <returns>The error text.</returns>
    public virtual string TooManyInterruptions(int interruptions, int maxResumeAttempts) => string.Create(
        CultureInfo.InvariantCulture,
        $"The generation was interrupted {interruptions} times (restarts or lost instances) and is not resumed again (MaxResumeAttempts is {maxResumeAttempts}); retry it to continue from its saved phases.");

    /// <summary>The <c>error</c> of an interrupted run on a host that does not resume runs (<c>ResumeInterruptedRuns</c> off).</summary>
    /// <returns>The error text.</returns>
    public virtual string NotResumed() =>
        "The generation was interrupted and this host does not resume interrupted runs (ResumeInterruptedRuns is off); retry it to continue from its saved phases.";

    /// <summary>The <c>cancelled</c> event of a run cancelled on request.</summary>
    /// <returns>The message.</returns>
    public virtual string Cancelled() => "Generation cancelled";

    /// <summary>The <c>cancelled</c> event of a run stopped because its (non-durable) host is shutting down.</summary>
    /// <returns>The message.</returns>
    public virtual string ShuttingDown() => "Generation cancelled: the host is shutting down";

    /// <summary>
    /// The <c>error</c> of the <c>storage_unavailable</c> event, reported from memory when a run's progress or end cannot
    /// be stored. Generic on purpose: the storage's own error goes only to the log.
    /// </summary>
    /// <returns>The error text.</returns>
    public virtual string StorageUnavailable() =>
        "The server could not save the generation's progress (its storage is unavailable or full). The saved phases are kept, and the generation continues when the server restarts with its storage back.";

    /// <summary>The mode to name in the wording, or <see langword="null"/> when modes are not configured.</summary>
    /// <param name="generation">The generation.</param>
    /// <returns>The mode, such as <c>classic</c>.</returns>
    protected static string? ReportedMode(GenerationRecord generation) =>
        generation?.Mode is { Reported: true, GenerationMode: { Length: > 0 } mode } ? mode : null;

    private static string Files(int count) => count == 1 ? "file" : "files";

    private static string Capitalise(string value) =>
        value.Length == 0 ? value : string.Concat(char.ToUpperInvariant(value[0]).ToString(), value.AsSpan(1));

    private static string Describe(TimeSpan span) =>
        span.TotalMinutes >= 1 && span.Seconds == 0 && span.Milliseconds == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalMinutes:0.##} minutes")
            : string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.###} seconds");

    /// <summary>The plan's review gate: "Review the plan: 5 phases".</summary>
    /// <param name="phases">How many phases the plan has.</param>
    /// <returns>The message.</returns>
    public virtual string PlanReview(int phases) =>
        string.Create(CultureInfo.InvariantCulture, $"Review the plan: {phases} {(phases == 1 ? "phase" : "phases")}");

    /// <summary>A phase's review gate: "Phase 1 saved (5 files): review before phase 2" ("… review before finishing" after the last).</summary>
    /// <param name="phase">The phase that was saved.</param>
    /// <param name="filesWritten">How many files it wrote.</param>
    /// <param name="nextPhase">The next phase, or <see langword="null"/> after the last.</param>
    /// <returns>The message.</returns>
    public virtual string PhaseReview(PlannedPhase phase, int filesWritten, PlannedPhase? nextPhase)
    {
        ArgumentNullException.ThrowIfNull(phase);
        var files = filesWritten == 1 ? "1 file" : string.Create(CultureInfo.InvariantCulture, $"{filesWritten} files");
        var then = nextPhase is null ? "finishing" : string.Create(CultureInfo.InvariantCulture, $"phase {nextPhase.Number}");
        return string.Create(CultureInfo.InvariantCulture, $"Phase {phase.Number} saved ({files}): review before {then}");
    }

    /// <summary>An approval: "Approved: phase 2 next" ("Approved: finishing" after the last phase); with an instruction, "… (instruction queued)".</summary>
    /// <param name="nextPhase">The phase that runs next, or <see langword="null"/> when only the finish is left.</param>
    /// <param name="withInstruction">Whether the approval carried an instruction.</param>
    /// <returns>The message.</returns>
    public virtual string Approved(int? nextPhase, bool withInstruction)
    {
        var next = nextPhase is { } n ? string.Create(CultureInfo.InvariantCulture, $"Approved: phase {n} next") : "Approved: finishing";
        return withInstruction ? next + " (instruction queued)" : next;
    }

    /// <summary>A revised plan: "Plan revised: 4 phases".</summary>
    /// <param name="phases">How many phases the revised plan has.</param>
    /// <returns>The message.</returns>
    public virtual string PlanRevised(int phases) =>
        string.Create(CultureInfo.InvariantCulture, $"Plan revised: {phases} {(phases == 1 ? "phase" : "phases")}");

    /// <summary>Edits at a phase gate: "2 files edited", "1 file deleted", "2 files edited, 1 deleted".</summary>
    /// <param name="written">How many files the user wrote.</param>
    /// <param name="deleted">How many the user deleted.</param>
    /// <returns>The message.</returns>
    public virtual string FilesEdited(int written, int deleted)
    {
        var parts = new List<string>(2);
        if (written > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{written} {(written == 1 ? "file" : "files")} edited"));
        }

        if (deleted > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{deleted} {(written > 0 ? string.Empty : deleted == 1 ? "file " : "files ")}deleted"));
        }

        return string.Join(", ", parts);
    }

    /// <summary>Locks: "1 path locked", "3 paths locked".</summary>
    /// <param name="count">How many paths were locked.</param>
    /// <returns>The message.</returns>
    public virtual string PathsLocked(int count) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {(count == 1 ? "path" : "paths")} locked");

    /// <summary>An instruction: "Instruction queued for phase 3" ("… for the finish" when no phase is left).</summary>
    /// <param name="phase">The first phase it applies to, or <see langword="null"/> when no phase is left.</param>
    /// <returns>The message.</returns>
    public virtual string InstructionQueued(int? phase) => phase is { } n
        ? string.Create(CultureInfo.InvariantCulture, $"Instruction queued for phase {n}")
        : "Instruction queued: no phase is left to follow it";

    /// <summary>A cancel at a review gate: "Generation cancelled at review".</summary>
    /// <returns>The message.</returns>
    public virtual string CancelledAtReview() => "Generation cancelled at review";

    /// <summary>Nobody answered a gate in time: "Cancelled: nobody answered the review within 24 hours".</summary>
    /// <param name="timeout">The input timeout.</param>
    /// <returns>The message.</returns>
    public virtual string InputTimedOut(TimeSpan timeout) => "Cancelled: nobody answered the review within " + Duration(timeout);

    /// <summary>A phase wrote a locked path: "src/a.ts is locked: phase 2's change to it was not saved".</summary>
    /// <param name="path">The locked path.</param>
    /// <param name="phase">The phase that wrote (or deleted) it.</param>
    /// <param name="deleted">Whether the phase deleted it.</param>
    /// <returns>The message.</returns>
    public virtual string LockedPathRefused(string path, PlannedPhase phase, bool deleted)
    {
        ArgumentNullException.ThrowIfNull(phase);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{Iteration.Streaming.Files.FilePathValidator.Show(path)} is locked: phase {phase.Number}'s {(deleted ? "delete of" : "change to")} it was not saved");
    }

    /// <summary>The error when no generator is registered.</summary>
    internal const string NoGenerator =
        "No IPhaseGenerator is registered: the engine has nothing to generate files with. " +
        "Call services.AddIterationStreaming().AddPhaseGenerator<TGenerator>() with your generator.";

    private static string Duration(TimeSpan span) => span switch
    {
        { TotalDays: >= 1 } when span.TotalHours % 24 == 0 => string.Create(CultureInfo.InvariantCulture, $"{span.TotalHours:0} hours"),
        { TotalHours: >= 1 } when span.TotalMinutes % 60 == 0 => string.Create(CultureInfo.InvariantCulture, $"{span.TotalHours:0} {(span.TotalHours == 1 ? "hour" : "hours")}"),
        { TotalMinutes: >= 1 } => string.Create(CultureInfo.InvariantCulture, $"{span.TotalMinutes:0.#} minutes"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.#} seconds"),
    };
}
