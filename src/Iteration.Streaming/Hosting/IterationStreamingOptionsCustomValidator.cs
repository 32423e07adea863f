using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Hosting;

/// <summary>
/// Validates what the annotations on <see cref="IterationStreamingOptions"/> cannot say: one setting against another,
/// and a signing key that may be empty but not short.
/// </summary>
internal sealed class IterationStreamingOptionsCustomValidator : IValidateOptions<IterationStreamingOptions>
{
    internal const int MinSigningKeyLength = 32;

    private const string Prefix = IterationStreamingOptions.SectionName + ":";

    public ValidateOptionsResult Validate(string? name, IterationStreamingOptions options)
    {
        var failures = new List<string>();
        if (options.MaxTokenLifetime < options.TokenLifetime)
        {
            failures.Add($"{Prefix}{nameof(options.MaxTokenLifetime)} ({options.MaxTokenLifetime}) must be at least {nameof(options.TokenLifetime)} ({options.TokenLifetime}).");
        }

        if (!string.IsNullOrEmpty(options.SigningKey) && options.SigningKey.Length < MinSigningKeyLength)
        {
            failures.Add($"{Prefix}{nameof(options.SigningKey)} must be at least {MinSigningKeyLength} characters long, or empty to use {nameof(options.SigningKeyFile)} or a random per-process key.");
        }

        if (options.SigningKeyFile is not null && string.IsNullOrWhiteSpace(options.SigningKeyFile))
        {
            failures.Add($"{Prefix}{nameof(options.SigningKeyFile)} must name a file, or be left out.");
        }

        try
        {
            _ = options.DefaultReview?.ToReview();
        }
        catch (FormatException ex)
        {
            failures.Add($"{Prefix}{nameof(options.DefaultReview)}:{nameof(ReviewOptions.AfterPhases)} must be \"all\" or phase numbers such as \"1,3\": {ex.Message}");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
