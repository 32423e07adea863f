using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Hosting;

/// <summary>
/// Validates <see cref="IterationStreamingOptions"/> at start, naming the setting and the accepted range.
/// </summary>
internal sealed class IterationStreamingOptionsValidator : IValidateOptions<IterationStreamingOptions>
{
    internal const int MinSigningKeyLength = 32;

    public ValidateOptionsResult Validate(string? name, IterationStreamingOptions options)
    {
        var failures = new List<string>();

        Positive(failures, nameof(options.IdleTimeout), options.IdleTimeout);
        Positive(failures, nameof(options.HeartbeatInterval), options.HeartbeatInterval);
        Positive(failures, nameof(options.RetryInterval), options.RetryInterval);
        Positive(failures, nameof(options.TokenLifetime), options.TokenLifetime);
        Positive(failures, nameof(options.TerminalGracePeriod), options.TerminalGracePeriod);
        Positive(failures, nameof(options.RetainCompletedFor), options.RetainCompletedFor);
        Positive(failures, nameof(options.MaxTokenLifetime), options.MaxTokenLifetime);
        Positive(failures, nameof(options.MaxStreamLifetime), options.MaxStreamLifetime);
        if (options.MaxTokenLifetime < options.TokenLifetime)
        {
            failures.Add($"{Prefix}{nameof(options.MaxTokenLifetime)} ({options.MaxTokenLifetime}) must be at least {nameof(options.TokenLifetime)} ({options.TokenLifetime}).");
        }

        if (options.MaxStreamLifetime > TimeSpan.FromDays(1))
        {
            failures.Add($"{Prefix}{nameof(options.MaxStreamLifetime)} must be at most 1 day, but was {options.MaxStreamLifetime}.");
        }

        if (options.RetryInterval > TimeSpan.FromHours(1))
        {
            failures.Add($"{Prefix}{nameof(options.RetryInterval)} must be at most 1 hour, but was {options.RetryInterval}.");
        }

        if (!string.IsNullOrEmpty(options.SigningKey) && options.SigningKey.Length < MinSigningKeyLength)
        {
            failures.Add($"{Prefix}{nameof(options.SigningKey)} must be at least {MinSigningKeyLength} characters long, or empty for a random per-process key.");
        }

        Range(failures, nameof(options.MaxConcurrentGenerations), options.MaxConcurrentGenerations, 1, 10_000);
        Range(failures, nameof(options.MaxQueuedGenerations), options.MaxQueuedGenerations, 0, 1_000_000);
        Range(failures, nameof(options.MaxEventsPerGeneration), options.MaxEventsPerGeneration, 16, 10_000_000);
        Range(failures, nameof(options.MaxPromptLength), options.MaxPromptLength, 1, 10_000_000);
        Range(failures, nameof(options.MaxEntities), options.MaxEntities, 0, 10_000);
        Range(failures, nameof(options.MaxEntityNameLength), options.MaxEntityNameLength, 1, 10_000);
        Range(failures, nameof(options.MaxFilesPerGeneration), options.MaxFilesPerGeneration, 1, 1_000_000);
        Range(failures, nameof(options.MaxPathLength), options.MaxPathLength, 1, 4_096);
        Range(failures, nameof(options.MaxRetainedGenerations), options.MaxRetainedGenerations, 1, 100_000_000);
        Range(failures, nameof(options.MaxResumeAttempts), options.MaxResumeAttempts, 0, 1_000);
        Range(failures, nameof(options.MaxStreamsPerGeneration), options.MaxStreamsPerGeneration, 1, 1_000_000);
        Range(failures, nameof(options.MaxPhaseBytes), options.MaxPhaseBytes, 1, long.MaxValue);
        Range(failures, nameof(options.MaxGenerationBytes), options.MaxGenerationBytes, 1, long.MaxValue);
        Range(failures, nameof(options.MaxPartialOutputBytes), options.MaxPartialOutputBytes, 2, 64 * 1024 * 1024);

        if (options.MaxFileSize is < 1 or > int.MaxValue)
        {
            failures.Add($"{Prefix}{nameof(options.MaxFileSize)} must be between 1 and {int.MaxValue} bytes, but was {options.MaxFileSize}.");
        }

        if (string.IsNullOrWhiteSpace(options.FileSinkRoot))
        {
            failures.Add($"{Prefix}{nameof(options.FileSinkRoot)} must name a folder.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private const string Prefix = IterationStreamingOptions.SectionName + ":";

    private static void Positive(List<string> failures, string name, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            failures.Add($"{Prefix}{name} must be a positive time span, but was {value}.");
        }
    }

    private static void Range(List<string> failures, string name, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            failures.Add($"{Prefix}{name} must be between {min} and {max}, but was {value}.");
        }
    }
}
