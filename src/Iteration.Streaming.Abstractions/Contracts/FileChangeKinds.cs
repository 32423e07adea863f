namespace Iteration.Streaming.Contracts;

/// <summary>The values of <see cref="GenerationFileDiff.Change"/>.</summary>
public static class FileChangeKinds
{
    /// <summary>The path exists only in the newer state.</summary>
    public const string Added = "added";

    /// <summary>The path exists in both states with different content.</summary>
    public const string Modified = "modified";

    /// <summary>The path exists only in the older state.</summary>
    public const string Deleted = "deleted";

    /// <summary>The path exists in both states with the same content.</summary>
    public const string Unchanged = "unchanged";
}
