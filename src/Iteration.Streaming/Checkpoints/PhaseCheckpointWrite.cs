using Iteration.Streaming.Files;

namespace Iteration.Streaming.Checkpoints;

/// <summary>One incremental write of a phase's checkpoint (<see cref="IPhaseCheckpointStore.WriteAsync"/>).</summary>
public sealed record PhaseCheckpointWrite
{
    /// <summary>The generation.</summary>
    public required string GenerationId { get; init; }

    /// <summary>The phase's number.</summary>
    public required int Phase { get; init; }

    /// <summary>The run attempt writing it.</summary>
    public required int Attempt { get; init; }

    /// <summary>Whether this write starts the checkpoint anew (the first write of a phase, or of a run that continued one).</summary>
    public bool Reset { get; init; }

    /// <summary>The files finished since the last write, in order (with a reset: every file finished so far).</summary>
    public IReadOnlyList<GeneratedFile> Files { get; init; } = [];

    /// <summary>The file being written now, or <see langword="null"/> between files (the stored current text is dropped).</summary>
    public string? CurrentFile { get; init; }

    /// <summary>Where <see cref="Text"/> starts in <see cref="CurrentFile"/>: the stored text's length, or 0 for a new current file.</summary>
    public int Offset { get; init; }

    /// <summary>The current file's text from <see cref="Offset"/> (with a reset: all of it).</summary>
    public string Text { get; init; } = string.Empty;

    /// <summary>The generator's resume state, replacing the stored one; <see langword="null"/> keeps it.</summary>
    public ReadOnlyMemory<byte>? ResumeState { get; init; }

    /// <summary>The id of the event this write matches (the last delta's).</summary>
    public long Sequence { get; init; }

    /// <summary>When it was written.</summary>
    public DateTimeOffset WrittenAt { get; init; }

    /// <summary>The phase's live state passed <c>Checkpoints:MaxBytes</c>: keep only this marker (no files, text or state).</summary>
    public bool Overflowed { get; init; }
}
