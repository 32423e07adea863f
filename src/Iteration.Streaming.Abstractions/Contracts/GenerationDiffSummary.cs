namespace Iteration.Streaming.Contracts;

/// <summary>The counts of a <see cref="GenerationDiff"/>.</summary>
public sealed record GenerationDiffSummary
{
    /// <summary>Paths added.</summary>
    public int Added { get; init; }

    /// <summary>Paths modified.</summary>
    public int Modified { get; init; }

    /// <summary>Paths deleted.</summary>
    public int Deleted { get; init; }

    /// <summary>Paths unchanged.</summary>
    public int Unchanged { get; init; }

    /// <summary>Lines added over the files that were diffed.</summary>
    public int AddedLines { get; init; }

    /// <summary>Lines deleted over the files that were diffed.</summary>
    public int DeletedLines { get; init; }
}
