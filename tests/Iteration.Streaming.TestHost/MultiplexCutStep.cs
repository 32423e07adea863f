namespace Iteration.Streaming.TestHost;

/// <summary>One connection of a <see cref="MultiplexCutScenario"/>: the phases released once it is open, and where it is cut.</summary>
/// <param name="Cut">Where the connection is cut.</param>
/// <param name="PhasesToRelease">How many waiting phases (of any runs) are released once it answered 200.</param>
public readonly record struct MultiplexCutStep(MultiplexCut Cut, int PhasesToRelease)
{
    public override string ToString() => $"release {PhasesToRelease}, cut {Cut}";
}
