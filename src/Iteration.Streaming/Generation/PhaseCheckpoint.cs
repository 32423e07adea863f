using Iteration.Streaming.Files;

namespace Iteration.Streaming.Generation;

/// <summary>
/// The last checkpoint of a phase that was interrupted: the files it had finished, the text so far of the file it was
/// writing, and its generator's resume state, all as of one <see cref="IPhaseProgress.ReportLiveAsync"/> call. A
/// resumed run hands it to an <see cref="IResumablePhaseGenerator"/> (<see cref="PhaseContext.Checkpoint"/>).
/// </summary>
public sealed class PhaseCheckpoint
{
    /// <summary>The phase's number.</summary>
    public required int Phase { get; init; }

    /// <summary>The run attempt that wrote it (<see cref="PhaseContext.Attempt"/>).</summary>
    public required int Attempt { get; init; }

    /// <summary>The files the phase had finished (writes and deletes), in the order it yielded them; a path appears once.</summary>
    public IReadOnlyList<GeneratedFile> Files { get; init; } = [];

    /// <summary>The file being written, or <see langword="null"/> between files.</summary>
    public string? CurrentFile { get; init; }

    /// <summary>The text so far of <see cref="CurrentFile"/>; empty between files.</summary>
    public string CurrentText { get; init; } = string.Empty;

    /// <summary>The generator's resume state of the last report that gave one; empty when none did.</summary>
    public ReadOnlyMemory<byte> ResumeState { get; init; }

    /// <summary>The id of the event of the last report: the text here includes every delta up to it.</summary>
    public long Sequence { get; init; }

    /// <summary>When it was written.</summary>
    public DateTimeOffset WrittenAt { get; init; }

    /// <summary>
    /// Whether the phase's live state grew past <c>Checkpoints:MaxBytes</c>: checkpointing stopped and this one holds no
    /// files, text or state (the oldest text is never dropped to fit), so a resume generates the phase again and says why.
    /// </summary>
    public bool Overflowed { get; init; }

    /// <summary>The size this checkpoint counts against <c>Checkpoints:MaxBytes</c>: file bytes, text as UTF-8, resume state.</summary>
    /// <returns>The size in bytes.</returns>
    public long Size()
    {
        long size = ResumeState.Length + System.Text.Encoding.UTF8.GetByteCount(CurrentText);
        foreach (var file in Files)
        {
            size += file.Content.Length;
        }

        return size;
    }
}
