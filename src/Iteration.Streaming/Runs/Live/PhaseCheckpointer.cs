using System.Text;
using Iteration.Streaming.Checkpoints;
using Iteration.Streaming.Diagnostics;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Hosting;
using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.Runs.Live;

/// <summary>
/// Writes a run's live phase to the <see cref="IPhaseCheckpointStore"/> (incrementally: the files finished and the text
/// written since the last write, with the generator's resume state), and reads a checkpoint back for a resumed run.
/// A checkpoint that cannot be written does not fail the run: the phase would only be generated again after a crash.
/// </summary>
internal sealed class PhaseCheckpointer(IPhaseCheckpointStore store, TimeProvider timeProvider, ILogger logger)
{
    public IPhaseCheckpointStore Store => store;

    /// <summary>Writes what changed in <paramref name="live"/> since its last checkpoint, with <paramref name="resumeState"/>.</summary>
    public async ValueTask WriteAsync(GenerationRun run, LivePhase live, ReadOnlyMemory<byte>? resumeState, IterationStreamingOptions settings)
    {
        var options = settings.Checkpoints;
        if (!options.Enabled || live.Overflowed)
        {
            return;
        }

        var now = timeProvider.GetTimestamp();
        if (!live.NeedsReset && live.CheckpointedAt is { } last && timeProvider.GetElapsedTime(last, now) < options.Interval)
        {
            // Within the interval: nothing is written now; the next write carries what changed, with the newest state
            // (copied: a generator may reuse its buffer).
            if (resumeState is { } newer)
            {
                live.PendingState = newer.ToArray();
            }

            return;
        }

        resumeState ??= live.PendingState;
        var reset = live.NeedsReset;
        var batch = live.State.Batch;
        var firstFile = reset ? 0 : live.CheckpointedFiles;
        var files = firstFile >= batch.Count ? [] : batch.GetRange(firstFile, batch.Count - firstFile);
        var sameFile = !reset && live.CurrentFile is not null && string.Equals(live.CurrentFile, live.CheckpointedFile, StringComparison.Ordinal)
            && !files.Exists(f => string.Equals(f.Path, live.CurrentFile, StringComparison.Ordinal));
        var offset = sameFile ? live.CheckpointedText : 0;
        var text = live.CurrentFile is null ? string.Empty : live.Text.ToString(offset, live.Text.Length - offset);

        long fileBytes = 0;
        foreach (var file in files)
        {
            fileBytes += file.Content.Length;
        }

        // The store drops the current text when the current file changes (or finishes): only the same file's text stays.
        var textBytes = (sameFile ? live.CheckpointedTextBytes : 0) + Encoding.UTF8.GetByteCount(text);
        var stateBytes = resumeState?.Length ?? (reset ? 0 : live.CheckpointedStateBytes);
        var filesBytes = (reset ? 0 : live.CheckpointedFileBytes) + fileBytes;
        var size = filesBytes + textBytes + stateBytes;
        var write = new PhaseCheckpointWrite
        {
            GenerationId = run.GenerationId,
            Phase = live.Phase,
            Attempt = run.Record.Attempts + 1,
            Sequence = run.LastSequence,
            WrittenAt = timeProvider.GetUtcNow(),
        };

        if (size > options.MaxBytes)
        {
            live.Overflowed = true;
            Log.CheckpointOverflowed(logger, run.GenerationId, live.Phase, size, options.MaxBytes);
            write = write with { Reset = true, Overflowed = true };
        }
        else
        {
            write = write with
            {
                Reset = reset,
                Files = files,
                CurrentFile = live.CurrentFile,
                Offset = offset,
                Text = text,
                ResumeState = resumeState,
            };
        }

        try
        {
            await store.WriteAsync(write, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The previous checkpoint stands; the next write starts anew so it cannot build on a write that was lost.
            live.NeedsReset = true;
            Log.CheckpointWriteFailed(logger, run.GenerationId, live.Phase, ex);
            return;
        }

        live.NeedsReset = false;
        live.PendingState = null;
        live.CheckpointedAt = now;
        live.CheckpointedFiles = batch.Count;
        live.CheckpointedFile = live.CurrentFile;
        live.CheckpointedText = live.CurrentFile is null ? 0 : live.Text.Length;
        live.CheckpointedFileBytes = filesBytes;
        live.CheckpointedTextBytes = textBytes;
        live.CheckpointedStateBytes = stateBytes;
    }

    /// <summary>Deletes a generation's checkpoint; a failure is logged (the next phase's first write replaces it anyway).</summary>
    public async ValueTask DeleteAsync(string generationId)
    {
        try
        {
            await store.DeleteAsync(generationId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.CheckpointDeleteFailed(logger, generationId, ex);
        }
    }

    /// <summary>
    /// The checkpoint of <paramref name="phase"/> kept for <paramref name="sourceId"/>, checked: <see langword="null"/>
    /// when there is none for that phase; otherwise the checkpoint and, when it cannot be continued whatever the generator
    /// says, why.
    /// </summary>
    public async ValueTask<(PhaseCheckpoint? Checkpoint, string? Problem)> ReadAsync(string generationId, string sourceId, PlannedPhase phase, IterationStreamingOptions settings, CancellationToken cancellationToken)
    {
        PhaseCheckpoint? checkpoint;
        try
        {
            checkpoint = await store.ReadAsync(sourceId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            Log.CheckpointUnreadable(logger, generationId, phase.Number, ex);
            return (new PhaseCheckpoint { Phase = phase.Number, Attempt = 0 }, "its checkpoint could not be read");
        }

        if (checkpoint is null)
        {
            return (null, null);
        }

        if (checkpoint.Phase != phase.Number)
        {
            // A checkpoint of a phase saved since (a crash between the save and the delete), or of another plan.
            Log.CheckpointStale(logger, generationId, checkpoint.Phase, phase.Number);
            return (null, null);
        }

        if (checkpoint.Overflowed)
        {
            return (checkpoint, $"its checkpoint passed Checkpoints:MaxBytes ({settings.Checkpoints.MaxBytes} bytes), so none was kept");
        }

        if (Check(checkpoint, settings) is { } invalid)
        {
            Log.CheckpointInvalid(logger, generationId, phase.Number, invalid);
            return (checkpoint, "its checkpoint was not valid (" + invalid + ")");
        }

        return (checkpoint, null);
    }

    /// <summary>What is wrong with a checkpoint read back (a corrupt or foreign one), or <see langword="null"/>.</summary>
    internal static string? Check(PhaseCheckpoint checkpoint, IterationStreamingOptions settings)
    {
        if (checkpoint.ResumeState.Length > settings.Checkpoints.MaxResumeStateBytes)
        {
            return "its resume state is larger than Checkpoints:MaxResumeStateBytes";
        }

        if (checkpoint.Size() > settings.Checkpoints.MaxBytes)
        {
            return "it is larger than Checkpoints:MaxBytes";
        }

        var paths = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in checkpoint.Files)
        {
            if (file is null || FilePathValidator.FindProblem(file.Path, settings.MaxPathLength) is not null)
            {
                return "a file path is not valid";
            }

            if (!paths.Add(file.Path))
            {
                return "a file appears twice";
            }

            if (file.Content.Length > settings.MaxFileSize || (file.IsDelete && file.Content.Length > 0))
            {
                return "a file is larger than MaxFileSize";
            }
        }

        if (checkpoint.CurrentFile is { } current && FilePathValidator.FindProblem(current, settings.MaxPathLength) is not null)
        {
            return "the current file's path is not valid";
        }

        if (checkpoint.CurrentFile is null && checkpoint.CurrentText.Length > 0)
        {
            return "it has text without a current file";
        }

        return null;
    }
}
