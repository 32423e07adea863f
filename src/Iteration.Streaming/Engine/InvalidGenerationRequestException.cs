namespace Iteration.Streaming.Engine;

/// <summary>
/// Thrown when a generation request misses a field or breaks a configured limit; the message says which.
/// </summary>
public sealed class InvalidGenerationRequestException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InvalidGenerationRequestException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What is wrong with the request.</param>
    public InvalidGenerationRequestException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What is wrong with the request.</param>
    /// <param name="innerException">The cause.</param>
    public InvalidGenerationRequestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
