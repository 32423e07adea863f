namespace Iteration.Streaming.Contracts;

/// <summary>
/// The answer of <c>GET {prefix}/{id}/diff?against=…</c>: how the files of <see cref="GenerationId"/> differ from an
/// older state (another generation's files, or a saved phase).
/// </summary>
public sealed record GenerationDiff
{
    /// <summary>The generation whose files are the newer side.</summary>
    public required string GenerationId { get; init; }

    /// <summary>The older side as asked: a generation id or <c>phase:{k}</c>.</summary>
    public required string Against { get; init; }

    /// <summary>The generation whose files are the older side.</summary>
    public required string AgainstGenerationId { get; init; }

    /// <summary>The phase of <see cref="AgainstGenerationId"/> the older side is, when <see cref="Against"/> names one.</summary>
    public int? AgainstPhase { get; init; }

    /// <summary>Every path of either side, ordered by path (ordinal).</summary>
    public required IReadOnlyList<GenerationFileDiff> Files { get; init; }

    /// <summary>The counts.</summary>
    public required GenerationDiffSummary Summary { get; init; }

    /// <summary>Whether a limit left a changed text file without its line diff (see <see cref="GenerationFileDiff.Skipped"/>).</summary>
    public bool Truncated { get; init; }

    /// <summary>The limits the diff was computed under.</summary>
    public required GenerationDiffLimits Limits { get; init; }
}
