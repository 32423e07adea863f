namespace Iteration.Streaming.Files;

/// <summary>
/// Thrown when a generated file is refused: a hostile or malformed path, a path that clashes with another (same name
/// ignoring case, or a file where a folder is), a file over the size limit, or a phase that would take the generation
/// past the file count or byte limit. The message names the path (or paths) and the rule, and the setting of a limit.
/// </summary>
public sealed class InvalidGeneratedFileException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InvalidGeneratedFileException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What is wrong with the file.</param>
    public InvalidGeneratedFileException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What is wrong with the file.</param>
    /// <param name="innerException">The cause.</param>
    public InvalidGeneratedFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    /// <param name="path">The refused path, as the generator gave it (escaped in the message).</param>
    /// <param name="message">What is wrong with the file.</param>
    public InvalidGeneratedFileException(string? path, string message)
        : base(message)
    {
        Path = path;
    }

    /// <summary>The refused path, when the error is about one file.</summary>
    public string? Path { get; }
}
