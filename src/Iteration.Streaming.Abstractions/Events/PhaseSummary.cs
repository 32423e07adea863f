namespace Iteration.Streaming.Events;

/// <summary>One phase of a plan as the client sees it (<see cref="PhaseInfo.Phases"/>).</summary>
public sealed record PhaseSummary
{
    /// <summary>The 1-based phase number.</summary>
    public required int Phase { get; init; }

    /// <summary>The phase's name, such as "User Entity".</summary>
    public required string Name { get; init; }
}
