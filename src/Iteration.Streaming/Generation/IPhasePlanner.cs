namespace Iteration.Streaming.Generation;

/// <summary>
/// Turns a request into named phases. The default plan: Core Infrastructure, one phase per entity ("User Entity"),
/// Support Files, Main Application. Register another with <c>AddPhasePlanner&lt;T&gt;()</c>.
/// </summary>
public interface IPhasePlanner
{
    /// <summary>Plans the phases of a run.</summary>
    /// <param name="context">The run.</param>
    /// <param name="cancellationToken">Cancels planning (and the run).</param>
    /// <returns>At least one phase, numbered 1, 2, … in order.</returns>
    ValueTask<IReadOnlyList<PlannedPhase>> PlanAsync(PhasePlanningContext context, CancellationToken cancellationToken = default);
}
