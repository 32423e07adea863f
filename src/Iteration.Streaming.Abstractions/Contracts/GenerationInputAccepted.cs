namespace Iteration.Streaming.Contracts;

/// <summary>The 202 body of <c>POST {prefix}/{id}/input</c>: the input is stored and the event it caused is in the log.</summary>
public sealed record GenerationInputAccepted
{
    /// <summary>The generation.</summary>
    public required string GenerationId { get; init; }

    /// <summary>The action taken (one of <see cref="InputActions"/>).</summary>
    public required string Action { get; init; }

    /// <summary>
    /// The SSE id of the event the input caused: <c>input_received</c>, or the <c>cancelled</c> end of a cancel at a gate.
    /// Absent for a cancel of a run that is running: it ends as soon as its current step stops, as with <c>/cancel</c>.
    /// </summary>
    public long? EventId { get; init; }

    /// <summary>The generation's status after the input: <c>queued</c> or <c>processing</c> when it continues, <c>awaiting_input</c> while it still waits.</summary>
    public required string Status { get; init; }
}
