using System.Text;
using Iteration.Streaming.Generation;

namespace Iteration.Streaming.Runs.Live;

/// <summary>
/// The phase a run is generating, as a watcher and a checkpoint see it: its finished files (the batch), the file being
/// written and its text so far, and how much of it the last checkpoint holds. Its text changes under the run's append
/// lock, right after the event that carries the delta, so a reader holding the lock sees text and sequence agree.
/// </summary>
internal sealed class LivePhase(PhaseState state)
{
    public PhaseState State { get; } = state;

    public int Phase => State.Phase.Number;

    /// <summary>The file being written, or <see langword="null"/> between files.</summary>
    public string? CurrentFile { get; set; }

    /// <summary>The text so far of <see cref="CurrentFile"/>.</summary>
    public StringBuilder Text { get; } = new();

    /// <summary>The checkpoint this phase continued from, when it did.</summary>
    public PhaseCheckpoint? ContinuedFrom { get; set; }

    /// <summary>The next checkpoint write starts anew (the first of the phase, or after a write that failed).</summary>
    public bool NeedsReset { get; set; } = true;

    /// <summary>Checkpointing stopped: the live state passed <c>Checkpoints:MaxBytes</c> (a marker was written).</summary>
    public bool Overflowed { get; set; }

    /// <summary>How many files of the batch the checkpoint holds.</summary>
    public int CheckpointedFiles { get; set; }

    /// <summary>The current file of the checkpoint.</summary>
    public string? CheckpointedFile { get; set; }

    /// <summary>How many characters of <see cref="CheckpointedFile"/> the checkpoint holds.</summary>
    public int CheckpointedText { get; set; }

    /// <summary>The bytes of finished files the checkpoint holds.</summary>
    public long CheckpointedFileBytes { get; set; }

    /// <summary>The bytes (UTF-8) of current text the checkpoint holds.</summary>
    public long CheckpointedTextBytes { get; set; }

    /// <summary>When the last checkpoint was written (a <see cref="TimeProvider"/> timestamp), or <see langword="null"/> before the first.</summary>
    public long? CheckpointedAt { get; set; }

    /// <summary>The newest resume state reported since the last write (a copy), written with the next one.</summary>
    public byte[]? PendingState { get; set; }

    /// <summary>The size of the resume state the checkpoint holds.</summary>
    public int CheckpointedStateBytes { get; set; }
}
