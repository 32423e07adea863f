namespace Iteration.Streaming.EventLog;

/// <summary>
/// Thrown when a generation is unknown: never started here, or already removed by retention.
/// </summary>
public sealed class GenerationNotFoundException : Exception
{
    /// <summary>Creates the exception for <paramref name="generationId"/>.</summary>
    /// <param name="generationId">The unknown generation's id.</param>
    public GenerationNotFoundException(string generationId)
        : base($"Generation '{generationId}' was not found: it was never started here or its retention period has ended.")
    {
        GenerationId = generationId;
    }

    /// <summary>Creates the exception.</summary>
    public GenerationNotFoundException()
        : this(string.Empty)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public GenerationNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
        GenerationId = string.Empty;
    }

    /// <summary>The unknown generation's id.</summary>
    public string GenerationId { get; }
}
