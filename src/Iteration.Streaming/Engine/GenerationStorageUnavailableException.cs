namespace Iteration.Streaming.Engine;

/// <summary>
/// Thrown when a generation's storage (its record, its event log or its files) refuses a write: the disk is full, or the
/// store failed to write. A start refused with it can be retried once storage is back (HTTP answers 503 with
/// <c>Retry-After</c>). Storage packages throw it for their own full-disk and I/O errors, with the store's error inside.
/// </summary>
/// <remarks>It is an <see cref="IOException"/>, so code that catches I/O failures keeps catching it.</remarks>
public sealed class GenerationStorageUnavailableException : IOException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public GenerationStorageUnavailableException()
        : base("The generation storage is unavailable or full; retry later.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What could not be stored, and why.</param>
    public GenerationStorageUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the store's own error.</summary>
    /// <param name="message">What could not be stored, and why.</param>
    /// <param name="innerException">The store's error.</param>
    public GenerationStorageUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
