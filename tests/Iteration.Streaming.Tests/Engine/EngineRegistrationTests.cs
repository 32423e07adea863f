using Iteration.Streaming.Engine;
using Iteration.Streaming.Files;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.Tests.Engine;

public sealed class EngineRegistrationTests
{
    [Fact]
    public void ResolvingTheEngine_WithoutAGenerator_ThrowsNamingAddPhaseGenerator()
    {
        using var provider = new ServiceCollection().AddIterationStreaming().Services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IIterationEngine>();

        act.Should().Throw<InvalidOperationException>().WithMessage("*AddPhaseGenerator*");
    }

    [Fact]
    public void AddIterationStreaming_WithAGenerator_RegistersTheEngineAndTheFileSystemSink()
    {
        using var provider = new ServiceCollection().AddIterationStreaming().AddPhaseGenerator<ScriptedGenerator>().Services.BuildServiceProvider();

        provider.GetRequiredService<IIterationEngine>().Should().NotBeNull();
        provider.GetRequiredService<IFileSink>().Should().BeOfType<FileSystemFileSink>();
    }

    [Fact]
    public void AddInMemoryFileSink_ReplacesTheDefaultSink()
    {
        using var provider = new ServiceCollection().AddIterationStreaming().AddInMemoryFileSink().Services.BuildServiceProvider();

        provider.GetRequiredService<IFileSink>().Should().BeOfType<InMemoryFileSink>();
    }
}
