using Iteration.Streaming.Client.Watching;

namespace Iteration.Streaming.Client.Tests.Arguments;

public sealed class ReconnectBackoffTests
{
    private static readonly TimeSpan Base = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Cap = TimeSpan.FromSeconds(3);

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.999)]
    public void Delay_FirstFailure_IsTheBaseDelayWithoutJitter(double random)
    {
        ReconnectBackoff.Delay(1, Base, Cap, random).Should().Be(Base);
    }

    [Theory]
    [InlineData(2, 200)]
    [InlineData(3, 400)]
    [InlineData(4, 800)]
    [InlineData(5, 1600)]
    public void Delay_LaterFailures_DoubleWithinTheEqualJitterBand(int failures, double exponentialMs)
    {
        ReconnectBackoff.Delay(failures, Base, Cap, 0.0).TotalMilliseconds.Should().BeApproximately(exponentialMs / 2, 0.001);
        ReconnectBackoff.Delay(failures, Base, Cap, 0.999999).TotalMilliseconds.Should().BeApproximately(exponentialMs, 0.01);
    }

    [Theory]
    [InlineData(6)]
    [InlineData(100)]
    [InlineData(int.MaxValue)]
    public void Delay_ManyFailures_NeverExceedsTheCap(int failures)
    {
        var delay = ReconnectBackoff.Delay(failures, Base, Cap, 0.999999);

        delay.Should().BeLessThanOrEqualTo(Cap);
        delay.Should().BeGreaterThanOrEqualTo(Cap / 2);
    }

    [Fact]
    public void Delay_BaseAboveTheCap_IsCapped()
    {
        ReconnectBackoff.Delay(1, TimeSpan.FromHours(1), Cap, 0.5).Should().Be(Cap);
    }
}
