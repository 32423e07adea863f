using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.Diagnostics;

/// <summary>
/// Every log message of the core package, with stable event ids (1000–1999). Never logs tokens or file contents.
/// </summary>
/// <remarks>Event log 1000–1099; engine and file sinks 1100–1499 (file-system sink cleanup 1400–1449).</remarks>
internal static partial class Log
{
    [LoggerMessage(1001, LogLevel.Debug, "Event log of generation {GenerationId} removed after its retention period.")]
    public static partial void EventLogRemoved(ILogger logger, string generationId);

    [LoggerMessage(1100, LogLevel.Information, "Generation {GenerationId} queued at position {Position}: {Running} generations are running.")]
    public static partial void RunQueued(ILogger logger, string generationId, int position, int running);

    [LoggerMessage(1101, LogLevel.Information, "Generation {GenerationId} started (parent {ParentGenerationId}, mode {GenerationMode}).")]
    public static partial void RunStarted(ILogger logger, string generationId, string? parentGenerationId, string generationMode);

    [LoggerMessage(1102, LogLevel.Debug, "Generation {GenerationId} planned {PhaseCount} phases.")]
    public static partial void RunPlanned(ILogger logger, string generationId, int phaseCount);

    [LoggerMessage(1103, LogLevel.Debug, "Generation {GenerationId} saved phase {Phase} ({PhaseName}) in {DurationMs} ms; files written: {FilesGenerated}.")]
    public static partial void PhaseSaved(ILogger logger, string generationId, int phase, string phaseName, int filesGenerated, double durationMs);

    [LoggerMessage(1104, LogLevel.Information, "Generation {GenerationId} completed in {DurationMs} ms; file count {FileCount}.")]
    public static partial void RunCompleted(ILogger logger, string generationId, int fileCount, double durationMs);

    [LoggerMessage(1105, LogLevel.Warning, "Generation {GenerationId} failed at stage {Stage}.")]
    public static partial void RunFailed(ILogger logger, string generationId, string stage, Exception exception);

    [LoggerMessage(1106, LogLevel.Information, "Generation {GenerationId} cancelled ({Reason}).")]
    public static partial void RunCancelled(ILogger logger, string generationId, string reason);

    [LoggerMessage(1107, LogLevel.Warning, "Generation {GenerationId} emitted nothing for {IdleTimeout} and was failed by the stall watchdog.")]
    public static partial void RunTimedOut(ILogger logger, string generationId, TimeSpan idleTimeout);

    [LoggerMessage(1108, LogLevel.Error, "Generation {GenerationId} could not record its terminal event.")]
    public static partial void TerminalEventFailed(ILogger logger, string generationId, Exception exception);

    [LoggerMessage(1109, LogLevel.Warning, "Generation {GenerationId} lost files of its parent {ParentGenerationId} without deleting them; missing: {MissingCount}.")]
    public static partial void DataLossDetected(ILogger logger, string generationId, string parentGenerationId, int missingCount);

    [LoggerMessage(1110, LogLevel.Information, "The iteration engine is stopping: {Running} running and {Queued} queued generations are {Outcome}.")]
    public static partial void EngineShuttingDown(ILogger logger, int running, int queued, string outcome);

    [LoggerMessage(1111, LogLevel.Warning, "A generation was refused: {Running} are running and the queue holds {Queued}, its limit.")]
    public static partial void QueueFull(ILogger logger, int running, int queued);

    [LoggerMessage(1112, LogLevel.Warning, "Generation {GenerationId} was ended by another instance after this instance's ownership lapsed; its run here stops without appending.")]
    public static partial void RunOwnershipLost(ILogger logger, string generationId);

    [LoggerMessage(1113, LogLevel.Error, "Generation {GenerationId} failed at stage {Stage} because of an internal error (reference {Reference}).")]
    public static partial void RunFailedInternally(ILogger logger, string generationId, string stage, string reference, Exception exception);

    [LoggerMessage(1114, LogLevel.Information, "Generation {GenerationId} was interrupted by the host stopping; it resumes from its last saved phase at the next start.")]
    public static partial void RunInterrupted(ILogger logger, string generationId);

    [LoggerMessage(1115, LogLevel.Information, "Resuming {Count} interrupted generations.")]
    public static partial void ResumingRuns(ILogger logger, int count);

    [LoggerMessage(1116, LogLevel.Warning, "Generation {GenerationId} was interrupted {Interruptions} times and ends failed (MaxResumeAttempts).")]
    public static partial void ResumeLimitReached(ILogger logger, string generationId, int interruptions);

    [LoggerMessage(1117, LogLevel.Warning, "Generation {GenerationId} has no event log; it cannot resume.")]
    public static partial void ResumeWithoutLog(ILogger logger, string generationId);

    [LoggerMessage(1118, LogLevel.Information, "Retention deleted generation {GenerationId} (record, event log and files).")]
    public static partial void GenerationDeleted(ILogger logger, string generationId);

    [LoggerMessage(1119, LogLevel.Warning, "Retention could not delete all of generation {GenerationId}; it tries again at the next sweep.")]
    public static partial void GenerationDeleteFailed(ILogger logger, string generationId, Exception exception);

    [LoggerMessage(1120, LogLevel.Warning, "A retention sweep failed; it runs again at the next interval.")]
    public static partial void RetentionSweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(1121, LogLevel.Error, "Taking over generation {GenerationId} from an instance that went away failed; another instance takes it once this one's ownership lapses.")]
    public static partial void TakeoverFailed(ILogger logger, string generationId, Exception exception);

    [LoggerMessage(1122, LogLevel.Warning, "Handing generation {GenerationId} over to another instance failed; it is resumed once this instance's ownership lapses.")]
    public static partial void HandOverFailed(ILogger logger, string generationId, Exception exception);

    [LoggerMessage(1123, LogLevel.Error, "Watching for runs to take over from other instances failed; this instance takes over no more runs.")]
    public static partial void TakeoverWatchFailed(ILogger logger, Exception exception);

    [LoggerMessage(1150, LogLevel.Warning, "Iteration {GenerationId} could not carry over '{Path}' from {ParentGenerationId}: {Reason}.")]
    public static partial void ParentFileNotCarried(ILogger logger, string generationId, string parentGenerationId, string path, string reason);

    [LoggerMessage(1151, LogLevel.Debug, "Cleaning up unlisted files of generation {GenerationId} failed; they stay, unlisted.")]
    public static partial void FileCleanupFailed(ILogger logger, string generationId, Exception exception);

    [LoggerMessage(1400, LogLevel.Information, "Files of generation {GenerationId} deleted; the content no other generation uses is swept next.")]
    public static partial void FilesDeleted(ILogger logger, string generationId);

    [LoggerMessage(1401, LogLevel.Debug, "Content sweep removed {RemovedContents} unreferenced contents and finished {DeletedGenerations} deleted generations.")]
    public static partial void ContentSwept(ILogger logger, int removedContents, int deletedGenerations);

    [LoggerMessage(1402, LogLevel.Warning, "A content sweep stopped early; unreferenced contents stay until the next sweep.")]
    public static partial void ContentSweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(1403, LogLevel.Warning, "Retry {GenerationId} could not carry over '{Path}' from {SourceGenerationId}: {Reason}.")]
    public static partial void SourceFileNotCarried(ILogger logger, string generationId, string sourceGenerationId, string path, string reason);

    [LoggerMessage(1500, LogLevel.Warning, "Neither IterationStreaming:SigningKey nor IterationStreaming:SigningKeyFile is configured: stream tokens are signed with a random key that dies with this process. After a restart every token it issued answers 401, so watchers cannot resume, read or cancel the runs they started, and other instances cannot check its tokens. Set IterationStreaming:SigningKeyFile (a file that keeps a generated key, such as data/signing-key) or IterationStreaming:SigningKey (32+ characters, from user secrets or an environment variable, the same on every instance).")]
    public static partial void RandomSigningKey(ILogger logger);

    [LoggerMessage(1130, LogLevel.Error, "Generation {GenerationId}: storage refused a write at stage {Stage}; the run stops unfinished on record and resumes at the next start.")]
    public static partial void RunStorageFailed(ILogger logger, string generationId, string stage, Exception exception);

    [LoggerMessage(1131, LogLevel.Warning, "Generation {GenerationId} ended unstored: its watchers on this instance get 'storage_unavailable' (event {Sequence}) from memory.")]
    public static partial void RunEndedUnstored(ILogger logger, string generationId, long sequence);

    [LoggerMessage(1132, LogLevel.Error, "Generation {GenerationId}: its record could not be brought up to date with its end; it is repaired from the log when next read.")]
    public static partial void RecordEndFailed(ILogger logger, string generationId, Exception exception);

    [LoggerMessage(1133, LogLevel.Error, "A generation could not be admitted: storage refused its first write.")]
    public static partial void AdmissionStorageFailed(ILogger logger, Exception exception);

    [LoggerMessage(1160, LogLevel.Information, "Generation {GenerationId} waits at review gate {Gate}.")]
    public static partial void RunWaiting(ILogger logger, string generationId, string gate);

    [LoggerMessage(1161, LogLevel.Information, "Generation {GenerationId} took input {InputNumber} ({Action}).")]
    public static partial void InputAccepted(ILogger logger, string generationId, string action, int inputNumber);

    [LoggerMessage(1162, LogLevel.Information, "Generation {GenerationId} ended cancelled: nobody answered review gate {Gate} in time.")]
    public static partial void InputTimedOut(ILogger logger, string generationId, string gate);

    [LoggerMessage(1163, LogLevel.Warning, "Generation {GenerationId}: phase {Phase} wrote a locked path; the change was refused.")]
    public static partial void LockedPathRefused(ILogger logger, string generationId, int phase);

    [LoggerMessage(1164, LogLevel.Warning, "The review deadline sweep failed; it runs again at its next interval.")]
    public static partial void GateSweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(1170, LogLevel.Warning, "Generation {GenerationId} stopped: {Reason}")]
    public static partial void RunStoppedBySpend(ILogger logger, string generationId, string reason);

    [LoggerMessage(1171, LogLevel.Warning, "The budget settlement of generation {GenerationId} failed; its reservation stays until its day passes.")]
    public static partial void BudgetSettleFailed(ILogger logger, string generationId, Exception exception);

    [LoggerMessage(1172, LogLevel.Information, "Generation {GenerationId} was refused by the budget policy: {Limit}.")]
    public static partial void BudgetRefused(ILogger logger, string generationId, string limit);

    [LoggerMessage(1173, LogLevel.Warning, "Generation {GenerationId} failed transiently ({Cause}); retry {Attempt} of {MaxAttempts} in {DelayMs} ms.")]
    public static partial void RetryScheduled(ILogger logger, string generationId, string cause, int attempt, int maxAttempts, double delayMs, Exception exception);

    [LoggerMessage(1174, LogLevel.Information, "Generation {GenerationId}: its automatic retry is due; it resumes from phase {Phase}.")]
    public static partial void RetryDue(ILogger logger, string generationId, int phase);

    [LoggerMessage(1175, LogLevel.Warning, "The automatic retry of generation {GenerationId} could not start; it resumes at the next start or takeover.")]
    public static partial void RetryStartFailed(ILogger logger, string generationId, Exception exception);

    [LoggerMessage(1600, LogLevel.Warning, "Generation {GenerationId}: the live state of phase {Phase} reached {Bytes} bytes, more than Checkpoints:MaxBytes ({MaxBytes}); checkpointing stops for this phase, which a resume generates again.")]
    public static partial void CheckpointOverflowed(ILogger logger, string generationId, int phase, long bytes, long maxBytes);

    [LoggerMessage(1601, LogLevel.Warning, "Generation {GenerationId}: the checkpoint of phase {Phase} could not be written; the previous one stands.")]
    public static partial void CheckpointWriteFailed(ILogger logger, string generationId, int phase, Exception exception);

    [LoggerMessage(1602, LogLevel.Warning, "The checkpoint of generation {GenerationId} could not be deleted.")]
    public static partial void CheckpointDeleteFailed(ILogger logger, string generationId, Exception exception);

    [LoggerMessage(1603, LogLevel.Warning, "Generation {GenerationId}: the checkpoint of phase {Phase} could not be read; the phase is generated again.")]
    public static partial void CheckpointUnreadable(ILogger logger, string generationId, int phase, Exception exception);

    [LoggerMessage(1604, LogLevel.Information, "Generation {GenerationId}: its checkpoint is of phase {CheckpointPhase}, not of phase {Phase} it resumes at; ignored.")]
    public static partial void CheckpointStale(ILogger logger, string generationId, int checkpointPhase, int phase);

    [LoggerMessage(1605, LogLevel.Warning, "Generation {GenerationId}: the checkpoint of phase {Phase} is ignored: {Problem}. The phase is generated again.")]
    public static partial void CheckpointInvalid(ILogger logger, string generationId, int phase, string problem);

    [LoggerMessage(1606, LogLevel.Information, "Generation {GenerationId}: phase {Phase} continues from its checkpoint ({Files} files finished, {Chars} characters of the current file).")]
    public static partial void PhaseContinued(ILogger logger, string generationId, int phase, int files, int chars);

    [LoggerMessage(1607, LogLevel.Information, "Generation {GenerationId}: phase {Phase} had a checkpoint but is generated again: {Reason}.")]
    public static partial void PhaseRestarted(ILogger logger, string generationId, int phase, string reason);

    [LoggerMessage(1608, LogLevel.Warning, "Generation {GenerationId}: the generator failed to prepare the continuation of phase {Phase}; the phase is generated again.")]
    public static partial void PrepareResumeFailed(ILogger logger, string generationId, int phase, Exception exception);
}
