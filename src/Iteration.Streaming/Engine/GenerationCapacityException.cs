namespace Iteration.Streaming.Engine;

/// <summary>
/// Thrown when no more generations can be queued (see <c>MaxQueuedGenerations</c>); the caller may retry later.
/// </summary>
public sealed class GenerationCapacityException : Exception
{
    /// <summary>Creates the exception.</summary>
    public GenerationCapacityException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">Why the generation was refused.</param>
    public GenerationCapacityException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">Why the generation was refused.</param>
    /// <param name="innerException">The cause.</param>
    public GenerationCapacityException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
