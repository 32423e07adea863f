using Iteration.Streaming.Engine;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Modes;
using Iteration.Streaming.TestUtilities;
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
    public void AddIterationStreaming_WithAGenerator_RegistersTheEngineAndTheFileSystemSinkUnderTheConfiguredRoot()
    {
        using var provider = new ServiceCollection()
            .AddIterationStreaming(o => o.FileSinkRoot = "some/root")
            .AddPhaseGenerator<ScriptedGenerator>()
            .Services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        provider.GetRequiredService<IIterationEngine>().Should().NotBeNull();
        provider.GetRequiredService<IFileSink>().Should().BeOfType<FileSystemFileSink>()
            .Which.Root.Replace('\\', '/').Should().EndWith("some/root");
        provider.GetRequiredService<IPhasePlanner>().Should().BeOfType<DefaultPhasePlanner>();
        provider.GetRequiredService<IQualityAssessor>().Should().BeOfType<DefaultQualityAssessor>();
        provider.GetRequiredService<IGenerationModeSelector>().Should().BeOfType<DefaultGenerationModeSelector>();
    }

    [Fact]
    public void AddIterationStreaming_CalledAgain_KeepsTheEngineSingle()
    {
        var services = new ServiceCollection();
        services.AddIterationStreaming().AddPhaseGenerator<ScriptedGenerator>();
        services.AddIterationStreaming();

        services.Count(d => d.ServiceType == typeof(IIterationEngine)).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(IPhaseGenerator)).Should().Be(1);
    }

    [Fact]
    public void AddFileSystemSink_WithARoot_UsesIt()
    {
        using var provider = new ServiceCollection().AddIterationStreaming().AddFileSystemSink("elsewhere").Services.BuildServiceProvider();

        provider.GetRequiredService<IFileSink>().Should().BeOfType<FileSystemFileSink>()
            .Which.Root.Should().Be(Path.GetFullPath("elsewhere"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void AddFileSystemSink_BlankRoot_Throws(string root)
    {
        var builder = new ServiceCollection().AddIterationStreaming();

        var act = () => builder.AddFileSystemSink(root);

        act.Should().Throw<ArgumentException>();
    }

    [Fact]
    public void AddInMemoryFileSink_ReplacesTheDefaultSink()
    {
        using var provider = new ServiceCollection().AddIterationStreaming().AddInMemoryFileSink().Services.BuildServiceProvider();

        provider.GetRequiredService<IFileSink>().Should().BeOfType<InMemoryFileSink>();
    }

    [Fact]
    public void AddPhaseGenerator_Twice_TheLastOneWins()
    {
        var services = new ServiceCollection();
        services.AddIterationStreaming().AddPhaseGenerator<ScriptedGenerator>().AddPhaseGenerator(_ => new ScriptedGenerator());

        services.Should().ContainSingle(d => d.ServiceType == typeof(IPhaseGenerator)).Which.ImplementationFactory.Should().NotBeNull();
    }

    [Fact]
    public void BuilderExtensions_RejectNulls()
    {
        IIterationStreamingBuilder builder = null!;
        var real = new ServiceCollection().AddIterationStreaming();

        new Action[]
        {
            () => builder.AddPhaseGenerator<ScriptedGenerator>(),
            () => builder.AddPhaseGenerator(_ => new ScriptedGenerator()),
            () => real.AddPhaseGenerator(null!),
            () => builder.AddPhasePlanner<DefaultPhasePlanner>(),
            () => builder.AddQualityAssessor<DefaultQualityAssessor>(),
            () => builder.AddGenerationModeSelector<DefaultGenerationModeSelector>(),
            () => builder.ConfigureGenerationModes(_ => { }),
            () => real.ConfigureGenerationModes(null!),
            () => builder.AddFileSystemSink(),
            () => builder.AddInMemoryFileSink(),
        }.Should().AllSatisfy(act => act.Should().Throw<ArgumentNullException>());
    }

    [Fact]
    public async Task TheGenerator_IsResolvedFromANewScopePerRun()
    {
        var services = new ServiceCollection().AddSingleton<TimeProvider>(new Microsoft.Extensions.Time.Testing.FakeTimeProvider());
        services.AddScoped<ScopedCounter>();
        services.AddIterationStreaming().AddInMemoryFileSink().AddPhaseGenerator<GeneratorWithScopedDependency>();
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var engine = provider.GetRequiredService<IIterationEngine>();

        var first = await engine.RunAsync(new GenerationRequest("x")).ToListAsync().AsTask().WithPatience();
        var second = await engine.RunAsync(new GenerationRequest("y")).ToListAsync().AsTask().WithPatience();

        first[^1].Status.Should().Be("completed");
        first.Concat(second).Where(e => e.CurrentFile is not null).Select(e => e.CurrentFile).Distinct()
            .Should().HaveCount(2, "each run got its own scope, so its own counter and file name");
    }

    [Fact]
    public async Task DefaultPlugIns_RejectNullContexts()
    {
        var planner = async () => await new DefaultPhasePlanner().PlanAsync(null!);
        var assessor = async () => await new DefaultQualityAssessor().AssessAsync(null!);
        var selector = async () => await new DefaultGenerationModeSelector(new StaticOptionsMonitor<GenerationModeOptions>(new())).SelectAsync(null!);

        await planner.Should().ThrowAsync<ArgumentNullException>();
        await assessor.Should().ThrowAsync<ArgumentNullException>();
        await selector.Should().ThrowAsync<ArgumentNullException>();
    }

    public sealed class ScopedCounter
    {
        private static int s_instances;

        public int Instance { get; } = Interlocked.Increment(ref s_instances);
    }

    public sealed class GeneratorWithScopedDependency(ScopedCounter counter) : IPhaseGenerator
    {
        public async IAsyncEnumerable<GeneratedFile> GenerateAsync(PhaseContext context, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.CompletedTask;
            if (context.Phase.Number == 1)
            {
                yield return GeneratedFile.FromText($"scope-{counter.Instance}.txt", "x");
            }
        }
    }
}
