namespace Iteration.Streaming.Events;

/// <summary>
/// Details of a phased generation, carried by <see cref="StreamingProgressEvent.PhaseInfo"/>.
/// </summary>
public sealed record PhaseInfo
{
    /// <summary>How many phases the plan has.</summary>
    public int? TotalPhases { get; init; }

    /// <summary>The phase running now (0 before the first phase starts).</summary>
    public int? CurrentPhase { get; init; }

    /// <summary>How many entities the request named.</summary>
    public int? EntitiesCount { get; init; }

    /// <summary>The 1-based number of the phase this event is about.</summary>
    public int? Phase { get; init; }

    /// <summary>The name of the phase, such as "Core Infrastructure" or "User Entity".</summary>
    public string? Name { get; init; }

    /// <summary>Files generated in this phase.</summary>
    public int? FilesGenerated { get; init; }

    /// <summary>Files generated so far in the run, cumulative.</summary>
    public int? TotalFiles { get; init; }

    /// <summary>The whole plan, in order (on <c>phased_generation_started</c> and <c>resumed</c>); older servers omit it.</summary>
    public IReadOnlyList<PhaseSummary>? Phases { get; init; }

    /// <summary>
    /// On <c>phase_{n}_complete</c> of an iteration, fork, revert or retry: the files after the phase against the files
    /// the run started with. Absent for a new generation (every file is added) and from older servers.
    /// </summary>
    public PhaseChanges? Changes { get; init; }
}
