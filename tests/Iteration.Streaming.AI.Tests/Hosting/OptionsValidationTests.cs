using Iteration.Streaming.AI.Generation;
using Iteration.Streaming.AI.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.AI.Tests.Hosting;

public sealed class OptionsValidationTests
{
    public static TheoryData<string, Action<ChatClientGeneratorOptions>> InvalidOptions => new()
    {
        { "ChatClientGeneratorOptions.SystemPrompt must not be empty.", o => o.SystemPrompt = " " },
        { "ChatClientGeneratorOptions.SystemPrompt must not be empty.", o => o.SystemPrompt = null! },
        { "ChatClientGeneratorOptions.SystemPrompt must be at most 100000 characters long, but was 100001.", o => o.SystemPrompt = new string('s', 100_001) },
        { "ChatClientGeneratorOptions.PhaseInstructions keys must be a phase name or kind of 1 to 200 characters.", o => o.PhaseInstructions[" "] = "x" },
        { "ChatClientGeneratorOptions.PhaseInstructions keys must be a phase name or kind of 1 to 200 characters.", o => o.PhaseInstructions[new string('k', 201)] = "x" },
        { "ChatClientGeneratorOptions.PhaseInstructions['Entity'] must be text of at most 20000 characters.", o => o.PhaseInstructions["Entity"] = null! },
        { "ChatClientGeneratorOptions.PhaseInstructions['Entity'] must be text of at most 20000 characters.", o => o.PhaseInstructions["Entity"] = new string('i', 20_001) },
        { "ChatClientGeneratorOptions.MaxContextCharacters must be between 0 and 10000000, but was -1.", o => o.MaxContextCharacters = -1 },
        { "ChatClientGeneratorOptions.MaxContextCharacters must be between 0 and 10000000, but was 10000001.", o => o.MaxContextCharacters = 10_000_001 },
        { "ChatClientGeneratorOptions.MaxResponseCharacters must be between 1000 and 100000000, but was 999.", o => o.MaxResponseCharacters = 999 },
        { "ChatClientGeneratorOptions.MaxOutputTokens must be between 1 and 10000000, but was 0.", o => o.MaxOutputTokens = 0 },
        { "ChatClientGeneratorOptions.LiveTailLength must be between 0 and 4000, but was -1.", o => o.LiveTailLength = -1 },
        { "ChatClientGeneratorOptions.LiveTailLength must be between 0 and 4000, but was 4001.", o => o.LiveTailLength = 4_001 },
        { "ChatClientGeneratorOptions.LiveProgressInterval must be between 00:00:00.1000000 and 00:01:00, but was 00:00:00.0990000.", o => o.LiveProgressInterval = TimeSpan.FromMilliseconds(99) },
        { "ChatClientGeneratorOptions.LiveProgressInterval must be between 00:00:00.1000000 and 00:01:00, but was -00:00:01.", o => o.LiveProgressInterval = TimeSpan.FromSeconds(-1) },
        { "ChatClientGeneratorOptions.ResponseIdleTimeout must be between 00:00:01 and 01:00:00, but was 00:00:00.", o => o.ResponseIdleTimeout = TimeSpan.Zero },
        { "ChatClientGeneratorOptions.ResponseIdleTimeout must be between 00:00:01 and 01:00:00, but was 01:00:01.", o => o.ResponseIdleTimeout = TimeSpan.FromHours(1).Add(TimeSpan.FromSeconds(1)) },
        { "ChatClientGeneratorOptions.CharactersPerToken must be between 0.5 and 32, but was 0.4.", o => o.CharactersPerToken = 0.4 },
        { "ChatClientGeneratorOptions.CharactersPerToken must be between 0.5 and 32, but was 0.", o => o.CharactersPerToken = 0 },
        { "ChatClientGeneratorOptions.CharactersPerToken must be between 0.5 and 32, but was -4.", o => o.CharactersPerToken = -4 },
        { "ChatClientGeneratorOptions.CharactersPerToken must be between 0.5 and 32, but was 32.5.", o => o.CharactersPerToken = 32.5 },
        { "ChatClientGeneratorOptions.CharactersPerToken must be between 0.5 and 32, but was NaN.", o => o.CharactersPerToken = double.NaN },
        { "ChatClientGeneratorOptions.CharactersPerToken must be between 0.5 and 32, but was Infinity.", o => o.CharactersPerToken = double.PositiveInfinity },
        {
            "ChatClientGeneratorOptions.BackgroundResponses needs ChatClientGeneratorOptions.ReportLiveProgress: the continuation token is checkpointed with the live reports.",
            o =>
            {
                o.BackgroundResponses = true;
                o.ReportLiveProgress = false;
            }
        },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Start_InvalidOption_FailsNamingTheSetting(string expected, Action<ChatClientGeneratorOptions> configure)
    {
        using var provider = Provider(configure);

        var act = () => provider.GetRequiredService<IStartupValidator>().Validate();

        act.Should().Throw<OptionsValidationException>().Which.Failures.Should().Contain(expected);
    }

    [Fact]
    public void Start_Defaults_AreValid()
    {
        using var provider = Provider(_ => { });

        var options = provider.GetRequiredService<IOptions<ChatClientGeneratorOptions>>().Value;

        (options.MaxContextCharacters, options.LiveProgressInterval, options.ResponseIdleTimeout, options.ReportLiveProgress, options.CharactersPerToken)
            .Should().Be((60_000, TimeSpan.FromMilliseconds(250), TimeSpan.FromMinutes(2), true, 4d));
        options.PhaseInstructions.Keys.Should().BeEquivalentTo("CoreInfrastructure", "Entity", "SupportFiles", "MainApplication");
    }

    [Fact]
    public void Start_BoundaryValues_AreValid()
    {
        using var provider = Provider(o =>
        {
            o.MaxContextCharacters = 0;
            o.MaxResponseCharacters = 1_000;
            o.MaxOutputTokens = 1;
            o.LiveTailLength = 4_000;
            o.LiveProgressInterval = TimeSpan.FromMilliseconds(100);
            o.ResponseIdleTimeout = TimeSpan.FromHours(1);
            o.PhaseInstructions["Entity"] = string.Empty;
            o.CharactersPerToken = 0.5;
        });

        var act = () => provider.GetRequiredService<IStartupValidator>().Validate();

        act.Should().NotThrow();
    }

    [Fact]
    public void Start_HighestCharactersPerToken_IsValid()
    {
        using var provider = Provider(o => o.CharactersPerToken = 32);

        var act = () => provider.GetRequiredService<IStartupValidator>().Validate();

        act.Should().NotThrow();
    }

    private static ServiceProvider Provider(Action<ChatClientGeneratorOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddIterationStreaming().AddChatClientGenerator(new ScriptedChatClient(), configure);
        return services.BuildServiceProvider();
    }
}
