namespace Iteration.Streaming.Client;

/// <summary>
/// Thrown when watching a generation (or many over one stream) gives up: too many reconnections failed in a row, or the
/// server broke the protocol (for example a sequence gap it would not repair, or a cursor the client cannot send back).
/// </summary>
public sealed class IterationStreamException : Exception
{
    /// <summary>Creates the exception.</summary>
    public IterationStreamException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public IterationStreamException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The last failure.</param>
    public IterationStreamException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The last sequence number received before giving up; a later watch can resume after it.</summary>
    public long LastEventId { get; init; }

    /// <summary>
    /// For a multiplexed watch, the last cursor (SSE id) received before giving up, <see langword="null"/> when none
    /// arrived; <see cref="WatchManyOptions.LastEventId"/> resumes an owner's watch after it.
    /// </summary>
    public string? Cursor { get; init; }
}
