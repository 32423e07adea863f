using System.ComponentModel.DataAnnotations;

namespace Iteration.Streaming.Hosting;

/// <summary>
/// Live checkpoints of the phase in progress (<c>IterationStreaming:Checkpoints</c>): at each live report of a
/// generator (<see cref="Generation.IPhaseProgress.ReportLiveAsync"/>, a few times a second), the phase's finished files,
/// the text so far of the file being written and the generator's resume state are written to the
/// <see cref="Checkpoints.IPhaseCheckpointStore"/>, so an interrupted phase can continue inside the model's answer and a
/// reloaded page sees the file so far.
/// </summary>
public sealed class CheckpointOptions
{
    /// <summary>Whether checkpoints are written. Off, an interrupted phase is generated again from its start. Default on.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The largest checkpoint of one phase (finished files, text so far, resume state), in bytes. Past it, checkpointing
    /// stops for that phase and keeps a marker, so a resume generates the phase again and says why (the oldest text is
    /// never dropped to fit). Between 64 KiB and 1 GiB. Default 16 MiB.
    /// </summary>
    [Range(64L * 1024, 1024L * 1024 * 1024)]
    public long MaxBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>The largest resume state a generator may attach to one report, in bytes (1 KiB to 1 MiB). Default 64 KiB.</summary>
    [Range(1024, 1024 * 1024)]
    public int MaxResumeStateBytes { get; set; } = 64 * 1024;
}
