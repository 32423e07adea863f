using Iteration.Streaming.Security;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Hosting;

/// <summary>
/// Fills <see cref="IterationStreamingOptions.SigningKey"/> from <see cref="IterationStreamingOptions.SigningKeyFile"/>
/// when no key is configured. After every configuration step, so a key from code or configuration always wins; when
/// the options are first built, which <c>ValidateOnStart</c> makes the host's start, so a bad file stops the start.
/// </summary>
internal sealed class ReadSigningKeyFile : IPostConfigureOptions<IterationStreamingOptions>
{
    public void PostConfigure(string? name, IterationStreamingOptions options)
    {
        if (string.IsNullOrEmpty(options.SigningKey) && !string.IsNullOrWhiteSpace(options.SigningKeyFile))
        {
            options.SigningKey = SigningKeyFile.ReadOrCreate(Path.GetFullPath(options.SigningKeyFile));
        }
    }
}
