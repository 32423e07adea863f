namespace Iteration.Streaming.Generation;

/// <summary>
/// Thrown by a generator to fail its run with a message meant for the user: the message goes to the <c>error</c> of the
/// failed event as it is. Any other exception fails the run with a generic message and a reference; its details stay in
/// the server's log.
/// </summary>
public sealed class GenerationFailedException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public GenerationFailedException()
        : base("The generation failed.")
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong, in words fit for the user; never secrets or internals.</param>
    public GenerationFailedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the exception that caused it (kept for the log, never shown).</summary>
    /// <param name="message">What went wrong, in words fit for the user.</param>
    /// <param name="innerException">The cause.</param>
    public GenerationFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
