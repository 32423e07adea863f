namespace Iteration.Streaming.Contracts;

/// <summary>
/// One saved file of a generation, as listed by its manifest.
/// </summary>
public sealed record GenerationFile
{
    /// <summary>The normalised relative path, with forward slashes.</summary>
    public required string Path { get; init; }

    /// <summary>The size in bytes.</summary>
    public required long Size { get; init; }

    /// <summary>The phase that wrote the file last (0 for files carried over from a parent).</summary>
    public required int Phase { get; init; }

    /// <summary>The lowercase hex SHA-256 of the content.</summary>
    public required string Sha256 { get; init; }

    /// <summary><see cref="FileAuthors.User"/> when the user wrote the file last (an edit at a review gate); absent for the generator.</summary>
    public string? WrittenBy { get; init; }

    /// <summary><see langword="true"/> when the user locked the path: later phases may not write or delete it.</summary>
    public bool? Locked { get; init; }
}
