using System.Globalization;

namespace Iteration.Streaming.Generation;

/// <summary>
/// The default plan: Core Infrastructure, one "{Entity} Entity" phase per entity, Support Files, Main Application,
/// with the file estimates of a typical generated app (5, 4 each, 5, 2).
/// </summary>
internal sealed class DefaultPhasePlanner : IPhasePlanner
{
    public const int CoreInfrastructureFiles = 5;
    public const int EntityFiles = 4;
    public const int SupportFiles = 5;
    public const int MainApplicationFiles = 2;

    public ValueTask<IReadOnlyList<PlannedPhase>> PlanAsync(PhasePlanningContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        cancellationToken.ThrowIfCancellationRequested();

        var phases = new List<PlannedPhase>(context.Entities.Count + 3)
        {
            new(1, "Core Infrastructure", PhaseKind.CoreInfrastructure, EstimatedFileCount: CoreInfrastructureFiles),
        };

        foreach (var entity in context.Entities)
        {
            phases.Add(new PlannedPhase(
                phases.Count + 1,
                string.Create(CultureInfo.InvariantCulture, $"{entity} Entity"),
                PhaseKind.Entity,
                entity,
                EntityFiles));
        }

        phases.Add(new PlannedPhase(phases.Count + 1, "Support Files", PhaseKind.SupportFiles, EstimatedFileCount: SupportFiles));
        phases.Add(new PlannedPhase(phases.Count + 1, "Main Application", PhaseKind.MainApplication, EstimatedFileCount: MainApplicationFiles));
        return ValueTask.FromResult<IReadOnlyList<PlannedPhase>>(phases);
    }
}
