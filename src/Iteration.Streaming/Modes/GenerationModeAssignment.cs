namespace Iteration.Streaming.Modes;

/// <summary>
/// The pipeline and experiment group chosen for a run; stamped on every one of its events when modes are configured.
/// </summary>
/// <param name="GenerationMode">The pipeline: one of <see cref="Events.GenerationModes"/>.</param>
/// <param name="AbGroup">The experiment group (<c>ab_group</c>), or <see langword="null"/> when no experiment runs.</param>
/// <param name="EnhancedFeatures">Feature flags of the run (<c>enhanced_features</c>), or <see langword="null"/>.</param>
public sealed record GenerationModeAssignment(
    string GenerationMode,
    string? AbGroup = null,
    IReadOnlyDictionary<string, bool>? EnhancedFeatures = null)
{
    /// <summary>
    /// The assignment of a host that configures no modes: one <c>classic</c> pipeline that is not reported
    /// (<see cref="Reported"/> is <see langword="false"/>).
    /// </summary>
    public static GenerationModeAssignment Unconfigured { get; } = new(Events.GenerationModes.Classic) { Reported = false };

    /// <summary>
    /// Whether the mode is part of what watchers see: <c>generation_mode</c>, <c>ab_group</c> and <c>enhanced_features</c>
    /// on the events, and the mode named in their messages ("Starting classic generation..."). Default
    /// <see langword="true"/>; <see langword="false"/> only for <see cref="Unconfigured"/>, so that a host without an A/B
    /// split streams "Starting generation..." and no mode. The generator and the telemetry see the mode either way.
    /// </summary>
    public bool Reported { get; init; } = true;
}
