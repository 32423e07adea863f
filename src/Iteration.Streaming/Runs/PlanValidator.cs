using Iteration.Streaming.Generation;

namespace Iteration.Streaming.Runs;

/// <summary>Checks a planner's output before the run trusts it.</summary>
internal static class PlanValidator
{
    public static void ThrowIfInvalid(IReadOnlyList<PlannedPhase>? plan, int maxPhases)
    {
        if (plan is null || plan.Count == 0)
        {
            throw new GenerationFailedException("The phase planner returned no phases; a plan needs at least one.");
        }

        if (plan.Count > maxPhases)
        {
            throw new GenerationFailedException($"The phase planner returned {plan.Count} phases; the limit is {maxPhases} (MaxPhases).");
        }

        for (var i = 0; i < plan.Count; i++)
        {
            var phase = plan[i] ?? throw new GenerationFailedException($"The phase planner returned null at position {i + 1}.");
            if (phase.Number != i + 1)
            {
                throw new GenerationFailedException($"The phase planner numbered phase {i + 1} as {phase.Number}; phases must be numbered 1, 2, … in order.");
            }

            if (string.IsNullOrWhiteSpace(phase.Name))
            {
                throw new GenerationFailedException($"The phase planner gave phase {phase.Number} no name.");
            }

            if (phase.EstimatedFileCount < 0)
            {
                throw new GenerationFailedException($"The phase planner estimated {phase.EstimatedFileCount} files for phase {phase.Number}; estimates cannot be negative.");
            }
        }
    }
}
