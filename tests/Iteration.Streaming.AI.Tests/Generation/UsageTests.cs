using Iteration.Streaming.AI.Tests.Infrastructure;
using Iteration.Streaming.Generation;

namespace Iteration.Streaming.AI.Tests.Generation;

public sealed class UsageTests
{
    [Fact]
    public async Task GenerateAsync_UsageReported_AddsEachToThePhase()
    {
        await using var harness = new GeneratorHarness();
        harness.Client.Answer(ChatStep.Text("<file path=\"a\">1</file>"), ChatStep.Usage(1_200, 300), ChatStep.Usage(10, 5));

        await harness.RunPhaseAsync();

        harness.Progress.Usage.Should().Equal((1_200L, 300L), (10L, 5L));
    }

    [Fact]
    public async Task GenerateAsync_NoUsageReported_AddsNothing()
    {
        await using var harness = new GeneratorHarness();
        harness.Client.Answer(ChatStep.Text("<file path=\"a\">1</file>"), ChatStep.Usage(0, 0));

        await harness.RunPhaseAsync();

        harness.Progress.Usage.Should().BeEmpty();
    }

    [Fact]
    public async Task GenerateAsync_PhaseFailsAfterUsage_StillAddsWhatWasSpent()
    {
        await using var harness = new GeneratorHarness();
        harness.Client.Answer(ChatStep.Text("<file path=\"a\">1"), ChatStep.Usage(50, 60));

        var act = () => harness.RunPhaseAsync();

        await act.Should().ThrowAsync<GenerationFailedException>();
        harness.Progress.Usage.Should().Equal((50L, 60L));
    }
}
