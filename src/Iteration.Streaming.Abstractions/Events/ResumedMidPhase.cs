namespace Iteration.Streaming.Events;

/// <summary>
/// On a <see cref="GenerationStages.Resumed"/> event (<c>resumed_mid_phase</c>): the interrupted phase continues where
/// its last checkpoint left it, inside the model's answer, instead of being generated again from its start.
/// </summary>
public sealed record ResumedMidPhase
{
    /// <summary>The phase that continues.</summary>
    public required int Phase { get; init; }

    /// <summary>The file that was being written, or <see langword="null"/> when the checkpoint fell between two files.</summary>
    public string? File { get; init; }

    /// <summary>
    /// How many characters of <see cref="File"/> were kept (UTF-16 code units, the unit of <c>partial_output.offset</c>):
    /// the next delta of that file starts here.
    /// </summary>
    public int Chars { get; init; }

    /// <summary>How many files the phase had finished before the interruption (kept, not written again).</summary>
    public int FilesKept { get; init; }
}
