namespace Iteration.Streaming.Events;

/// <summary>
/// On <c>phase_{n}_complete</c> of an iteration, fork, revert or retry: how the files after the phase differ from the
/// files the run started with (the parent's, or the kept phases'). Counts of paths.
/// </summary>
public sealed record PhaseChanges
{
    /// <summary>Paths that did not exist when the run started.</summary>
    public int Added { get; init; }

    /// <summary>Paths whose content differs from when the run started.</summary>
    public int Modified { get; init; }

    /// <summary>Paths that existed when the run started and are gone.</summary>
    public int Deleted { get; init; }
}
