namespace Iteration.Streaming.Engine;

/// <summary>
/// The pipeline and experiment group chosen for a run; stamped on every one of its events.
/// </summary>
/// <param name="GenerationMode">The pipeline: one of <see cref="Events.GenerationModes"/>.</param>
/// <param name="AbGroup">The experiment group (<c>ab_group</c>), or <see langword="null"/> when no experiment runs.</param>
/// <param name="EnhancedFeatures">Feature flags of the run (<c>enhanced_features</c>), or <see langword="null"/>.</param>
public sealed record GenerationModeAssignment(
    string GenerationMode,
    string? AbGroup = null,
    IReadOnlyDictionary<string, bool>? EnhancedFeatures = null);
