using Iteration.Streaming.AI.Generation;
using Iteration.Streaming.AI.Tests.Infrastructure;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Modes;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.AI.Tests.Hosting;

public sealed class AddChatClientGeneratorTests
{
    [Fact]
    public async Task AddChatClientGenerator_NoClientGiven_UsesTheContainersChatClient()
    {
        var client = new ScriptedChatClient().AnswerText("<file path=\"a\">1</file>");
        var services = Services().AddSingleton<IChatClient>(client);
        services.AddIterationStreaming().AddChatClientGenerator();

        var files = await RunPhaseAsync(services);

        files.Should().ContainSingle();
        client.Requests.Should().ContainSingle();
    }

    [Fact]
    public async Task AddChatClientGenerator_ClientGiven_UsesIt()
    {
        var client = new ScriptedChatClient().AnswerText("<file path=\"a\">1</file>");
        var services = Services();
        services.AddIterationStreaming().AddChatClientGenerator(client);

        await RunPhaseAsync(services);

        client.Requests.Should().ContainSingle();
    }

    [Fact]
    public async Task AddChatClientGenerator_FactoryGiven_CallsItInTheRunsScope()
    {
        var client = new ScriptedChatClient().AnswerText("<file path=\"a\">1</file>");
        var services = Services().AddKeyedSingleton<IChatClient>("code", client);
        IServiceProvider? seen = null;
        services.AddIterationStreaming().AddChatClientGenerator(sp =>
        {
            seen = sp;
            return sp.GetRequiredKeyedService<IChatClient>("code");
        });
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });

        await using var scope = provider.CreateAsyncScope();
        var generator = scope.ServiceProvider.GetRequiredService<IPhaseGenerator>();

        generator.Should().BeOfType<ChatClientPhaseGenerator>();
        seen.Should().BeSameAs(scope.ServiceProvider);
    }

    [Fact]
    public void AddChatClientGenerator_CalledTwice_LastClientWins_AndOneGeneratorIsRegistered()
    {
        var first = new ScriptedChatClient();
        var second = new ScriptedChatClient();
        var services = Services();
        var builder = services.AddIterationStreaming();

        builder.AddChatClientGenerator(first).AddChatClientGenerator(second, o => o.MaxContextCharacters = 10);

        services.Count(d => d.ServiceType == typeof(IPhaseGenerator)).Should().Be(1);
        using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<IOptions<ChatClientGeneratorOptions>>().Value.MaxContextCharacters.Should().Be(10);
    }

    [Fact]
    public void AddChatClientGenerator_ReplacesAnEarlierGenerator()
    {
        var services = Services();
        services.AddIterationStreaming().AddPhaseGenerator(_ => new NoFilesGenerator()).AddChatClientGenerator(new ScriptedChatClient());
        using var provider = services.BuildServiceProvider();
        using var scope = provider.CreateScope();

        scope.ServiceProvider.GetRequiredService<IPhaseGenerator>().Should().BeOfType<ChatClientPhaseGenerator>();
    }

    [Fact]
    public void Start_NoChatClientRegistered_FailsNamingWhatToDo()
    {
        var services = Services();
        services.AddIterationStreaming().AddChatClientGenerator();
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IStartupValidator>().Validate();

        act.Should().Throw<OptionsValidationException>().WithMessage("*AddChatClientGenerator() uses the IChatClient registered in the service collection, and none is registered*");
    }

    [Fact]
    public void Start_ClientGivenAndNoneRegistered_Succeeds()
    {
        var services = Services();
        services.AddIterationStreaming().AddChatClientGenerator(new ScriptedChatClient());
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IStartupValidator>().Validate();

        act.Should().NotThrow();
    }

    [Fact]
    public void AddChatClientGenerator_NullArguments_Throw()
    {
        var builder = Services().AddIterationStreaming();

        FluentActions.Invoking(() => ((IIterationStreamingBuilder)null!).AddChatClientGenerator()).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => builder.AddChatClientGenerator((IChatClient)null!)).Should().Throw<ArgumentNullException>().WithParameterName("chatClient");
        FluentActions.Invoking(() => builder.AddChatClientGenerator((Func<IServiceProvider, IChatClient>)null!)).Should().Throw<ArgumentNullException>().WithParameterName("chatClientFactory");
    }

    [Fact]
    public void Resolve_FactoryReturnsNull_FailsNamingTheFactory()
    {
        var services = Services();
        services.AddIterationStreaming().AddChatClientGenerator(_ => null!);
        using var provider = services.BuildServiceProvider();
        using var scope = provider.CreateScope();

        var act = () => scope.ServiceProvider.GetRequiredService<IPhaseGenerator>();

        act.Should().Throw<InvalidOperationException>().WithMessage("The IChatClient factory passed to AddChatClientGenerator returned null.");
    }

    private static ServiceCollection Services()
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(TestEvents.Epoch));
        return services;
    }

    private static async Task<List<Streaming.Files.GeneratedFile>> RunPhaseAsync(IServiceCollection services)
    {
        services.AddIterationStreaming().AddInMemoryFileSink();
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        provider.GetRequiredService<IStartupValidator>().Validate();
        await using var scope = provider.CreateAsyncScope();
        var generator = scope.ServiceProvider.GetRequiredService<IPhaseGenerator>();
        var context = new PhaseContext
        {
            GenerationId = "g",
            Prompt = "p",
            Entities = [],
            Phase = GeneratorHarness.DefaultPlan[0],
            Plan = GeneratorHarness.DefaultPlan,
            Files = new Streaming.Files.FileManifest { GenerationId = "g", Files = [] },
            Mode = new GenerationModeAssignment("classic"),
        };
        return await GeneratorHarness.RunPhaseAsync(generator, context);
    }

    private sealed class NoFilesGenerator : IPhaseGenerator
    {
        public IAsyncEnumerable<Streaming.Files.GeneratedFile> GenerateAsync(PhaseContext context, CancellationToken cancellationToken = default) =>
            AsyncEnumerable.Empty<Streaming.Files.GeneratedFile>();
    }
}
