using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.Modes;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Tests.Engine;

public sealed class GenerationModeTests
{
    private static DefaultGenerationModeSelector Selector(double share, params string[] features)
    {
        var options = new GenerationModeOptions { EnhancedShare = share };
        foreach (var feature in features)
        {
            options.EnhancedFeatures.Add(feature);
        }

        return new DefaultGenerationModeSelector(new StaticOptionsMonitor<GenerationModeOptions>(options));
    }

    private static ValueTask<GenerationModeAssignment> SelectAsync(DefaultGenerationModeSelector selector, string id) =>
        selector.SelectAsync(new GenerationModeSelectionContext { GenerationId = id });

    [Fact]
    public async Task ByDefault_EveryRunIsAnUnreportedClassic_WithoutAnExperimentGroup()
    {
        var assignment = await SelectAsync(Selector(0.0), Guid.NewGuid().ToString());

        assignment.Should().Be(GenerationModeAssignment.Unconfigured);
        assignment.GenerationMode.Should().Be(GenerationModes.Classic);
        assignment.Reported.Should().BeFalse();
    }

    [Fact]
    public async Task TheSameId_AlwaysGetsTheSameAssignment()
    {
        var selector = Selector(0.5, "streaming_preview");
        var id = Guid.NewGuid().ToString();

        var first = await SelectAsync(selector, id);
        var second = await SelectAsync(selector, id);

        second.GenerationMode.Should().Be(first.GenerationMode);
        second.AbGroup.Should().Be(first.AbGroup);
        second.EnhancedFeatures.Should().BeEquivalentTo(first.EnhancedFeatures);
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public async Task TheSplit_FollowsTheConfiguredShare(double share)
    {
        var selector = Selector(share);
        var enhanced = 0;
        for (var i = 0; i < 4000; i++)
        {
            if ((await SelectAsync(selector, new SequentialIdGenerator().NewId() + i)).GenerationMode == GenerationModes.Enhanced)
            {
                enhanced++;
            }
        }

        (enhanced / 4000.0).Should().BeApproximately(share, 0.03);
    }

    [Fact]
    public async Task DuringAnExperiment_GroupsAndFeaturesFollowTheMode()
    {
        var selector = Selector(0.5, "streaming_preview", "smart_merge");
        var assignments = new List<GenerationModeAssignment>();
        for (var i = 0; i < 50; i++)
        {
            assignments.Add(await SelectAsync(selector, $"id-{i}"));
        }

        assignments.Should().Contain(a => a.GenerationMode == GenerationModes.Enhanced).And.Contain(a => a.GenerationMode == GenerationModes.Classic);
        assignments.Should().OnlyContain(a => a.AbGroup == (a.GenerationMode == GenerationModes.Enhanced ? "treatment" : "control"));
        assignments.Should().OnlyContain(a => a.EnhancedFeatures!.Count == 2 && a.EnhancedFeatures.Values.All(on => on == (a.GenerationMode == GenerationModes.Enhanced)));
    }

    [Fact]
    public async Task EveryEventOfARun_CarriesItsAssignment()
    {
        await using var harness = EngineHarness.Create(build: b => b.ConfigureGenerationModes(o =>
        {
            o.EnhancedShare = 0.5;
            o.EnhancedFeatures.Add("streaming_preview");
        }));

        var id = await harness.Engine.StartAsync(new GenerationRequest("x"));
        var events = await harness.ReadToEndAsync(id);

        var mode = events[0].GenerationMode;
        events.Should().OnlyContain(e => e.GenerationMode == mode && e.AbGroup != null && e.AbGroup == events[0].AbGroup);
        events.Should().OnlyContain(e => e.EnhancedFeatures!["streaming_preview"] == (mode == GenerationModes.Enhanced));
        harness.Generator.Calls.Should().OnlyContain(c => c.Mode.GenerationMode == mode);
        events[0].Message.Should().Be($"Starting {mode} generation...");
    }

    [Fact]
    public async Task ACustomSelector_IsUsed()
    {
        await using var harness = EngineHarness.Create(build: b => b.AddGenerationModeSelector<AlwaysEnhanced>());

        var id = await harness.Engine.StartAsync(new GenerationRequest("x"));
        var events = await harness.ReadToEndAsync(id);

        events.Should().OnlyContain(e => e.GenerationMode == GenerationModes.Enhanced && e.AbGroup == "beta");
    }

    [Fact]
    public async Task ASelectorReturningNoMode_RefusesTheStart()
    {
        await using var harness = EngineHarness.Create(build: b => b.AddGenerationModeSelector<Broken>());

        var act = async () => await harness.Engine.StartAsync(new GenerationRequest("x"));

        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage("*no generation mode*");
    }

    [Fact]
    public async Task GenerationIds_ComeFromTheInjectedGenerator()
    {
        await using var harness = EngineHarness.Create(build: b =>
        {
            b.Services.RemoveAll<IGenerationIdGenerator>();
            b.Services.AddSingleton<IGenerationIdGenerator, SequentialIdGenerator>();
        });

        var id = await harness.Engine.StartAsync(new GenerationRequest("x"));

        id.Should().Be("00000000-0000-0000-0000-000000000001");
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void AShareOutsideZeroToOne_FailsValidationAtStart(double share)
    {
        using var provider = new ServiceCollection().AddIterationStreaming().ConfigureGenerationModes(o => o.EnhancedShare = share).Services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IStartupValidator>().Validate();

        act.Should().Throw<OptionsValidationException>().WithMessage("*IterationStreaming:GenerationModes:EnhancedShare*");
    }

    [Fact]
    public void IdenticalGroupNames_FailValidation()
    {
        using var provider = new ServiceCollection().AddIterationStreaming()
            .ConfigureGenerationModes(o => o.TreatmentGroup = o.ControlGroup).Services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptions<GenerationModeOptions>>().Value;

        act.Should().Throw<OptionsValidationException>().WithMessage("*must differ*");
    }

    private sealed class AlwaysEnhanced : IGenerationModeSelector
    {
        public ValueTask<GenerationModeAssignment> SelectAsync(GenerationModeSelectionContext context, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(new GenerationModeAssignment(GenerationModes.Enhanced, "beta"));
    }

    private sealed class Broken : IGenerationModeSelector
    {
        public ValueTask<GenerationModeAssignment> SelectAsync(GenerationModeSelectionContext context, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(new GenerationModeAssignment(" "));
    }
}
