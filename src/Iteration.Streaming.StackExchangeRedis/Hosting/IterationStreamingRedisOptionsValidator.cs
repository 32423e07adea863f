using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Iteration.Streaming.StackExchangeRedis.Hosting;

/// <summary>
/// Validates <see cref="IterationStreamingRedisOptions"/> at start, naming the setting and the accepted range.
/// </summary>
internal sealed class IterationStreamingRedisOptionsValidator : IValidateOptions<IterationStreamingRedisOptions>
{
    private const string Prefix = "IterationStreaming:Redis:";

    public ValidateOptionsResult Validate(string? name, IterationStreamingRedisOptions options)
    {
        var failures = new List<string>();

        if (options.Connection is null)
        {
            if (string.IsNullOrWhiteSpace(options.Configuration))
            {
                failures.Add($"{Prefix}{nameof(options.Configuration)} must be set (for example 'localhost:6379'), or an existing IConnectionMultiplexer passed to AddStackExchangeRedis.");
            }
            else
            {
                try
                {
                    _ = ConfigurationOptions.Parse(options.Configuration);
                }
                catch (ArgumentException ex)
                {
                    // The message names the bad keyword, never the configuration string: it may hold a password.
                    failures.Add($"{Prefix}{nameof(options.Configuration)} is not a valid StackExchange.Redis configuration: {ex.Message}");
                }
            }
        }

        if (!IsName(options.KeyPrefix, 64, allowColon: true))
        {
            failures.Add($"{Prefix}{nameof(options.KeyPrefix)} must be 1 to 64 letters, digits or '-_.:' characters.");
        }

        if (!IsName(options.InstanceName, 100, allowColon: false))
        {
            failures.Add($"{Prefix}{nameof(options.InstanceName)} must be 1 to 100 letters, digits or '-_.' characters.");
        }

        Range(failures, nameof(options.BlockTimeout), options.BlockTimeout, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(10));
        Range(failures, nameof(options.ReconnectDelay), options.ReconnectDelay, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(5));
        Range(failures, nameof(options.TailBatchSize), options.TailBatchSize, 1, 10_000);
        Range(failures, nameof(options.ReplayBatchSize), options.ReplayBatchSize, 1, 10_000);
        Range(failures, nameof(options.LocalWindowSize), options.LocalWindowSize, 16, 1_000_000);

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static bool IsName(string? value, int maxLength, bool allowColon) =>
        !string.IsNullOrEmpty(value)
        && value.Length <= maxLength
        && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' || (allowColon && c == ':'));

    private static void Range(List<string> failures, string name, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            failures.Add($"{Prefix}{name} must be between {min} and {max}, but was {value}.");
        }
    }

    private static void Range(List<string> failures, string name, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            failures.Add($"{Prefix}{name} must be between {min} and {max}, but was {value}.");
        }
    }
}
