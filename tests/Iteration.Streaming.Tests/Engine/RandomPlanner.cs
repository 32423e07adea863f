
using Iteration.Streaming.Generation;

namespace Iteration.Streaming.Tests.Engine;

/// <summary>A planner that makes random plans (seeded): 1 to 12 phases of 0 to 9 estimated files, of any kind.</summary>
public sealed class RandomPlanner(int seed) : IPhasePlanner
{
    private readonly Random _random = new(seed);
    private readonly Lock _gate = new();

    public ValueTask<IReadOnlyList<PlannedPhase>> PlanAsync(PhasePlanningContext context, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var count = _random.Next(1, 13);
            var plan = Enumerable.Range(1, count)
                .Select(n => new PlannedPhase(n, $"Phase {n}", (PhaseKind)_random.Next(0, 5), $"E{n}", _random.Next(0, 10)))
                .ToArray();
            return ValueTask.FromResult<IReadOnlyList<PlannedPhase>>(plan);
        }
    }

    /// <summary>Files for a phase: anything from none to more than twice the estimate.</summary>
    public static IEnumerable<Streaming.Files.GeneratedFile> Files(PhaseContext context)
    {
        var random = new Random(HashCode.Combine(context.GenerationId, context.Phase.Number));
        var count = random.Next(0, (context.Phase.EstimatedFileCount * 2) + 2);
        return Enumerable.Range(0, count).Select(i => Streaming.Files.GeneratedFile.FromText($"p{context.Phase.Number}/f{i}.txt", "x"));
    }
}
