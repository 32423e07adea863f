namespace Iteration.Streaming.Events;

/// <summary>
/// The values of <see cref="StreamingProgressEvent.Status"/> on the wire.
/// </summary>
public static class GenerationStatus
{
    /// <summary>Waiting for a free run slot.</summary>
    public const string Queued = "queued";

    /// <summary>Running.</summary>
    public const string Processing = "processing";

    /// <summary>
    /// Stopped at a review gate until its user answers (<c>POST {prefix}/{id}/input</c>); not terminal. The event's
    /// <see cref="StreamingProgressEvent.InputRequest"/> says what is asked and until when.
    /// </summary>
    public const string AwaitingInput = "awaiting_input";

    /// <summary>Finished successfully. Terminal.</summary>
    public const string Completed = "completed";

    /// <summary>Finished with an error; the files saved so far stay readable. Terminal.</summary>
    public const string Failed = "failed";

    /// <summary>Cancelled on request; the files saved so far stay readable. Terminal.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>
    /// Returns <see langword="true"/> when <paramref name="status"/> ends a generation
    /// (<see cref="Completed"/>, <see cref="Failed"/> or <see cref="Cancelled"/>).
    /// </summary>
    /// <param name="status">A status value.</param>
    public static bool IsTerminal(string? status) =>
        status is Completed or Failed or Cancelled;

    /// <summary>
    /// Returns <see langword="true"/> when <paramref name="status"/> is one of the six known values.
    /// </summary>
    /// <param name="status">A status value.</param>
    public static bool IsKnown(string? status) =>
        status is Queued or Processing or AwaitingInput or Completed or Failed or Cancelled;
}
