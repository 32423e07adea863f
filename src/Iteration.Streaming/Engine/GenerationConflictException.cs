namespace Iteration.Streaming.Engine;

/// <summary>
/// Thrown when a request conflicts with a generation's state, such as iterating on a parent that has not finished.
/// </summary>
public sealed class GenerationConflictException : Exception
{
    /// <summary>Creates the exception.</summary>
    public GenerationConflictException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What conflicts.</param>
    public GenerationConflictException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What conflicts.</param>
    /// <param name="innerException">The cause.</param>
    public GenerationConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
