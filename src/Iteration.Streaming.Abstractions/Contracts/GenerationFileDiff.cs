namespace Iteration.Streaming.Contracts;

/// <summary>One path of a <see cref="GenerationDiff"/>.</summary>
public sealed record GenerationFileDiff
{
    /// <summary>The relative path.</summary>
    public required string Path { get; init; }

    /// <summary>One of <see cref="FileChangeKinds"/>.</summary>
    public required string Change { get; init; }

    /// <summary>The content hash in the older state (<see langword="null"/> when added).</summary>
    public string? OldSha256 { get; init; }

    /// <summary>The content hash in the newer state (<see langword="null"/> when deleted).</summary>
    public string? NewSha256 { get; init; }

    /// <summary>The size in bytes in the older state.</summary>
    public long? OldSize { get; init; }

    /// <summary>The size in bytes in the newer state.</summary>
    public long? NewSize { get; init; }

    /// <summary>Lines added (when the file was diffed).</summary>
    public int? AddedLines { get; init; }

    /// <summary>Lines deleted (when the file was diffed).</summary>
    public int? DeletedLines { get; init; }

    /// <summary>Why a changed file has no line diff: one of <see cref="DiffSkipReasons"/>; <see langword="null"/> when it has one.</summary>
    public string? Skipped { get; init; }

    /// <summary>
    /// The unified diff of this file (<c>git diff</c> format, with its <c>diff --git</c> header), for a changed text
    /// file within the limits; <see langword="null"/> otherwise.
    /// </summary>
    public string? Diff { get; init; }
}
