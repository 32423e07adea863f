using Iteration.Streaming.Events;

namespace Iteration.Streaming.Abstractions.Tests.Events;

public sealed class GenerationStagesTests
{
    [Fact]
    public void PhaseStages_FollowTheGuidesNaming()
    {
        GenerationStages.PhaseStarted(1).Should().Be("phase_1_started");
        GenerationStages.PhaseProgress(12).Should().Be("phase_12_progress");
        GenerationStages.PhaseComplete(6).Should().Be("phase_6_complete");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void PhaseStarted_NonPositivePhase_Throws(int phase)
    {
        var act = () => GenerationStages.PhaseStarted(phase);

        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Theory]
    [InlineData("phase_3_complete", true, 3)]
    [InlineData("phase_10_started", true, 10)]
    [InlineData("phased_generation_started", false, 0)]
    [InlineData("phase__complete", false, 0)]
    [InlineData("phase_0_complete", false, 0)]
    [InlineData("phase_-1_complete", false, 0)]
    [InlineData(null, false, 0)]
    public void TryGetPhase_ParsesOnlyPhaseStages(string? stage, bool expected, int expectedPhase)
    {
        GenerationStages.TryGetPhase(stage, out var phase).Should().Be(expected);
        phase.Should().Be(expectedPhase);
    }
}
