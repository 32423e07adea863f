namespace Iteration.Streaming.Generation;

/// <summary>
/// What a generator reports through <see cref="IPhaseProgress.ReportLiveAsync"/> while it writes a file: the file's
/// new text since its last report (a delta at an offset), and optionally its own resume state, checkpointed with it.
/// </summary>
public sealed record PhaseLiveUpdate
{
    /// <summary>
    /// The file being written, or <see langword="null"/> between two files (a report that only checkpoints
    /// <see cref="ResumeState"/>, with no event).
    /// </summary>
    public string? File { get; init; }

    /// <summary>
    /// Where <see cref="Text"/> starts in <see cref="File"/>, in UTF-16 code units: the length reported for that file
    /// so far (0 for its first report, or for its first report after a resume that did not continue it).
    /// </summary>
    public int Offset { get; init; }

    /// <summary>The file's text from <see cref="Offset"/> on, since the last report; may be empty.</summary>
    public string Text { get; init; } = string.Empty;

    /// <summary>
    /// The generator's own state at this point (such as the model's continuation token), opaque to the engine: kept with
    /// the checkpoint and handed back as <see cref="PhaseCheckpoint.ResumeState"/>. <see langword="null"/> keeps the
    /// previous one. At most <c>Checkpoints:MaxResumeStateBytes</c>.
    /// </summary>
    public ReadOnlyMemory<byte>? ResumeState { get; init; }

    /// <summary>How many characters of the file's end the event carries as <c>partial_output.tail</c>, for older clients (0 to 4,000). Default 400.</summary>
    public int TailLength { get; init; } = 400;
}
