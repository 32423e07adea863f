namespace Iteration.Streaming.Contracts;

/// <summary>The values of <see cref="GenerationFileDiff.Skipped"/>: why a changed file has no line diff.</summary>
public static class DiffSkipReasons
{
    /// <summary>One side is not UTF-8 text (it has a NUL byte or invalid UTF-8).</summary>
    public const string Binary = "binary";

    /// <summary>One side is larger than <see cref="GenerationDiffLimits.MaxFileBytes"/>.</summary>
    public const string TooLarge = "too_large";

    /// <summary>Diffing it would pass <see cref="GenerationDiffLimits.MaxFiles"/> or <see cref="GenerationDiffLimits.MaxTotalBytes"/>.</summary>
    public const string OverLimit = "over_limit";

    /// <summary>Its content could not be read from storage (a retention sweep, a storage fault); the change is still listed.</summary>
    public const string Unavailable = "unavailable";
}
