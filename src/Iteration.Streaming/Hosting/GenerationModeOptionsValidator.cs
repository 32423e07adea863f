using Iteration.Streaming.Modes;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Hosting;

/// <summary>Validates <see cref="GenerationModeOptions"/> at start.</summary>
internal sealed class GenerationModeOptionsValidator : IValidateOptions<GenerationModeOptions>
{
    private const string Prefix = GenerationModeOptions.SectionName + ":";

    public ValidateOptionsResult Validate(string? name, GenerationModeOptions options)
    {
        var failures = new List<string>();
        if (double.IsNaN(options.EnhancedShare) || options.EnhancedShare is < 0.0 or > 1.0)
        {
            failures.Add($"{Prefix}{nameof(options.EnhancedShare)} must be between 0.0 and 1.0, but was {options.EnhancedShare}.");
        }

        if (string.IsNullOrWhiteSpace(options.ControlGroup) || string.IsNullOrWhiteSpace(options.TreatmentGroup))
        {
            failures.Add($"{Prefix}{nameof(options.ControlGroup)} and {nameof(options.TreatmentGroup)} must name the groups.");
        }
        else if (string.Equals(options.ControlGroup, options.TreatmentGroup, StringComparison.Ordinal))
        {
            failures.Add($"{Prefix}{nameof(options.ControlGroup)} and {nameof(options.TreatmentGroup)} must differ.");
        }

        if (options.EnhancedFeatures.Any(string.IsNullOrWhiteSpace))
        {
            failures.Add($"{Prefix}{nameof(options.EnhancedFeatures)} must not contain empty names.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
