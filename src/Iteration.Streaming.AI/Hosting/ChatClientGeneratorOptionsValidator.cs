using System.Globalization;
using Iteration.Streaming.AI.Generation;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.AI.Hosting;

/// <summary>
/// Validates <see cref="ChatClientGeneratorOptions"/> at start, naming the setting and the accepted range; and, when the
/// generator uses the container's <see cref="IChatClient"/>, that one is registered.
/// </summary>
internal sealed class ChatClientGeneratorOptionsValidator(IServiceProvider services) : IValidateOptions<ChatClientGeneratorOptions>
{
    internal const int MaxSystemPromptLength = 100_000;
    internal const int MaxInstructionsLength = 20_000;
    internal const int MaxInstructionKeyLength = 200;
    internal const double MinCharactersPerToken = 0.5;
    internal const double MaxCharactersPerToken = 32;

    private const string Prefix = nameof(ChatClientGeneratorOptions) + ".";

    public ValidateOptionsResult Validate(string? name, ChatClientGeneratorOptions options)
    {
        var failures = new List<string>();

        if (string.IsNullOrWhiteSpace(options.SystemPrompt))
        {
            failures.Add($"{Prefix}{nameof(options.SystemPrompt)} must not be empty.");
        }
        else if (options.SystemPrompt.Length > MaxSystemPromptLength)
        {
            failures.Add($"{Prefix}{nameof(options.SystemPrompt)} must be at most {MaxSystemPromptLength} characters long, but was {options.SystemPrompt.Length}.");
        }

        foreach (var (key, instructions) in options.PhaseInstructions)
        {
            if (string.IsNullOrWhiteSpace(key) || key.Length > MaxInstructionKeyLength)
            {
                failures.Add($"{Prefix}{nameof(options.PhaseInstructions)} keys must be a phase name or kind of 1 to {MaxInstructionKeyLength} characters.");
            }
            else if (instructions is null || instructions.Length > MaxInstructionsLength)
            {
                failures.Add($"{Prefix}{nameof(options.PhaseInstructions)}['{key}'] must be text of at most {MaxInstructionsLength} characters.");
            }
        }

        Range(failures, nameof(options.MaxContextCharacters), options.MaxContextCharacters, 0, 10_000_000);
        Range(failures, nameof(options.MaxResponseCharacters), options.MaxResponseCharacters, 1_000, 100_000_000);
        if (options.MaxOutputTokens is { } maxOutputTokens)
        {
            Range(failures, nameof(options.MaxOutputTokens), maxOutputTokens, 1, 10_000_000);
        }

        Range(failures, nameof(options.LiveTailLength), options.LiveTailLength, 0, 4_000);
        Range(failures, nameof(options.LiveProgressInterval), options.LiveProgressInterval, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1));
        Range(failures, nameof(options.ResponseIdleTimeout), options.ResponseIdleTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        if (!(options.CharactersPerToken is >= MinCharactersPerToken and <= MaxCharactersPerToken))
        {
            // Written out: NaN and infinities are not in any range.
            failures.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"{Prefix}{nameof(options.CharactersPerToken)} must be between {MinCharactersPerToken} and {MaxCharactersPerToken}, but was {options.CharactersPerToken}."));
        }

        if (options.BackgroundResponses && !options.ReportLiveProgress)
        {
            failures.Add($"{Prefix}{nameof(options.BackgroundResponses)} needs {Prefix}{nameof(options.ReportLiveProgress)}: the continuation token is checkpointed with the live reports.");
        }

        if (services.GetService<ChatClientSource>() is { FromContainer: true }
            && services.GetService<IServiceProviderIsService>() is { } isService
            && !isService.IsService(typeof(IChatClient)))
        {
            failures.Add(ChatClientSource.NotRegistered().Message);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Range(List<string> failures, string name, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            failures.Add($"{Prefix}{name} must be between {min} and {max}, but was {value}.");
        }
    }

    private static void Range(List<string> failures, string name, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            failures.Add($"{Prefix}{name} must be between {min} and {max}, but was {value}.");
        }
    }
}
