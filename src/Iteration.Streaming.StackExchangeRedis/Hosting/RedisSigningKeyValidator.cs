using Iteration.Streaming.Hosting;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.StackExchangeRedis.Hosting;

/// <summary>
/// With several instances, a token issued by one must be accepted by every other: Redis mode refuses to start without a
/// shared <see cref="IterationStreamingOptions.SigningKey"/> (a random per-process key would make every other instance
/// answer 401).
/// </summary>
internal sealed class RedisSigningKeyValidator : IValidateOptions<IterationStreamingOptions>
{
    public ValidateOptionsResult Validate(string? name, IterationStreamingOptions options) =>
        string.IsNullOrEmpty(options.SigningKey)
            ? ValidateOptionsResult.Fail(
                $"{IterationStreamingOptions.SectionName}:{nameof(IterationStreamingOptions.SigningKey)} must be set when generations are shared through Redis "
                + "(AddStackExchangeRedis): every instance checks the stream tokens the others issue, so all of them need the same key "
                + "of at least 32 characters. Set it in configuration (IterationStreaming:SigningKey, from a secret store) or with "
                + "AddIterationStreaming(o => o.SigningKey = ...).")
            : ValidateOptionsResult.Success;
}
