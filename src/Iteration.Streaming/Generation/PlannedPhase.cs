using System.Globalization;

namespace Iteration.Streaming.Generation;

/// <summary>
/// One phase of a generation's plan.
/// </summary>
/// <param name="Number">The 1-based position in the plan (phase <c>n</c> of <c>phase_{n}_started</c>).</param>
/// <param name="Name">The name shown to users, such as "Core Infrastructure" or "User Entity".</param>
/// <param name="Kind">What the phase produces.</param>
/// <param name="Entity">The entity of an <see cref="PhaseKind.Entity"/> phase.</param>
/// <param name="EstimatedFileCount">How many files the phase is expected to write; weighs the phase in the progress bar.</param>
public sealed record PlannedPhase(int Number, string Name, PhaseKind Kind, string? Entity = null, int EstimatedFileCount = 1)
{
    /// <summary>
    /// How the phase's files are described in its completion message: "Generated 5 <c>core infrastructure</c> files".
    /// </summary>
    public string FilesDescription => Kind switch
    {
        PhaseKind.CoreInfrastructure => "core infrastructure",
        PhaseKind.Entity => string.Create(CultureInfo.InvariantCulture, $"{Entity ?? Name} entity"),
        PhaseKind.SupportFiles => "support",
        PhaseKind.MainApplication => "main application",
        _ => Name,
    };
}
