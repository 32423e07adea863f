namespace Iteration.Streaming.Checkpoints;

/// <summary>
/// A checkpoint write whose delta does not continue the stored text (its offset is not the stored length): a write was
/// lost or repeated. Nothing was written; the engine starts the checkpoint anew at its next write.
/// </summary>
public sealed class PhaseCheckpointConflictException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PhaseCheckpointConflictException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What conflicted.</param>
    public PhaseCheckpointConflictException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What conflicted.</param>
    /// <param name="innerException">The cause.</param>
    public PhaseCheckpointConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
