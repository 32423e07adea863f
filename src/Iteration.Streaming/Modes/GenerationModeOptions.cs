namespace Iteration.Streaming.Modes;

/// <summary>
/// The A/B split of the default <see cref="IGenerationModeSelector"/>, bound from <c>IterationStreaming:GenerationModes</c>.
/// </summary>
public sealed class GenerationModeOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "IterationStreaming:GenerationModes";

    /// <summary>
    /// The share of runs, from 0.0 to 1.0, that get the <c>enhanced</c> pipeline. Default 0: every run is <c>classic</c>,
    /// and with no <see cref="EnhancedFeatures"/> either, modes are not configured: the events carry no
    /// <c>generation_mode</c> and their messages name no mode. Above 0 every event carries <c>generation_mode</c>;
    /// strictly between 0 and 1 an experiment runs and every event carries the run's <c>ab_group</c>.
    /// </summary>
    public double EnhancedShare { get; set; }

    /// <summary>The <c>ab_group</c> of classic runs during an experiment. Default <c>control</c>.</summary>
    public string ControlGroup { get; set; } = "control";

    /// <summary>The <c>ab_group</c> of enhanced runs during an experiment. Default <c>treatment</c>.</summary>
    public string TreatmentGroup { get; set; } = "treatment";

    /// <summary>
    /// Feature flags reported in <c>enhanced_features</c>: on for enhanced runs, off for classic ones. Default none
    /// (the field is omitted).
    /// </summary>
    public IList<string> EnhancedFeatures { get; } = [];
}
