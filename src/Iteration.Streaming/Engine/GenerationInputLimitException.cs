namespace Iteration.Streaming.Engine;

/// <summary>
/// Thrown when a generation takes no more input of a kind (see <c>MaxInstructionsPerGeneration</c>); HTTP answers 429.
/// </summary>
public sealed class GenerationInputLimitException : Exception
{
    /// <summary>Creates the exception.</summary>
    public GenerationInputLimitException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">Why the input was refused.</param>
    public GenerationInputLimitException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">Why the input was refused.</param>
    /// <param name="innerException">The cause.</param>
    public GenerationInputLimitException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
