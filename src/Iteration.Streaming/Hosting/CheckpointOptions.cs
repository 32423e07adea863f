using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;

namespace Iteration.Streaming.Hosting;

/// <summary>
/// Live checkpoints of the phase in progress (<c>IterationStreaming:Checkpoints</c>): at each live report of a
/// generator (<see cref="Generation.IPhaseProgress.ReportLiveAsync"/>, a few times a second), the phase's finished files,
/// the text so far of the file being written and the generator's resume state are written to the
/// <see cref="Checkpoints.IPhaseCheckpointStore"/>, so an interrupted phase can continue inside the model's answer and a
/// reloaded page sees the file so far.
/// </summary>
[UnconditionalSuppressMessage(
    "Trimming",
    "IL2026:RequiresUnreferencedCode",
    Justification = "The TimeSpan [Range] attribute is read at build time: the generated validator checks it with its own trim-safe copy of RangeAttribute.")]
public sealed class CheckpointOptions
{
    /// <summary>Whether checkpoints are written. Off, an interrupted phase is generated again from its start. Default on.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The least time between two checkpoint writes of a phase: live reports in between are not written on their own
    /// (the next write carries everything since, with the newest resume state). The first report of a phase is always
    /// written. 0 writes every report. Between 0 and 1 minute. Default 1 second: a phase continued after a crash repeats
    /// at most about a second of the model's text (received again, not generated or billed again), for a quarter of
    /// the store writes at the default live-progress rate (250 ms).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

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
