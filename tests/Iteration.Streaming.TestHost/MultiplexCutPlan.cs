namespace Iteration.Streaming.TestHost;

/// <summary>What a <see cref="MultiplexCutScenario"/> does: how many runs, each connection's step, what each phase yields.</summary>
/// <param name="Generations">How many generations run at once on the watch set.</param>
/// <param name="Steps">One per connection, in order; after them every remaining phase is released and the stream read to its end.</param>
/// <param name="PhaseFiles">
/// What each released phase does, taken in turn (cycling): a count of files to yield before the phase completes, or a
/// negative number to fail the phase (the run ends <c>failed</c>).
/// </param>
public sealed record MultiplexCutPlan(int Generations, IReadOnlyList<MultiplexCutStep> Steps, IReadOnlyList<int> PhaseFiles)
{
    public override string ToString() =>
        $"{Generations} generations; phases [{string.Join(',', PhaseFiles)}]; steps [{string.Join("; ", Steps)}]";
}
