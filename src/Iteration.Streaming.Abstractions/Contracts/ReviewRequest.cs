namespace Iteration.Streaming.Contracts;

/// <summary>
/// The review gates of a generation (<c>review</c> in the start, iterate and retry bodies): where the run stops and waits
/// for its user. Without it the run goes from start to end without stopping (or as the host's
/// <c>IterationStreaming:DefaultReview</c> says).
/// </summary>
public sealed record ReviewRequest
{
    /// <summary>Stop once the plan is made, before any phase runs.</summary>
    public bool? Plan { get; init; }

    /// <summary>Stop after these phases are saved: a list of phase numbers, or <c>"all"</c>.</summary>
    public PhaseSelection? AfterPhases { get; init; }
}
