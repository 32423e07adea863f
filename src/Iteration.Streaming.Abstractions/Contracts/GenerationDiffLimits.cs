namespace Iteration.Streaming.Contracts;

/// <summary>The caps a diff was computed under (the host's <c>IterationStreaming:Diff*</c> settings), said in every answer.</summary>
public sealed record GenerationDiffLimits
{
    /// <summary>The most changed files that get a line diff; later ones are listed with <see cref="DiffSkipReasons.OverLimit"/>.</summary>
    public int MaxFiles { get; init; }

    /// <summary>The largest file (either side, bytes) that gets a line diff; larger ones are <see cref="DiffSkipReasons.TooLarge"/>.</summary>
    public long MaxFileBytes { get; init; }

    /// <summary>The most bytes read (both sides, all files) to compute line diffs; past it files are <see cref="DiffSkipReasons.OverLimit"/>.</summary>
    public long MaxTotalBytes { get; init; }
}
