namespace Iteration.Streaming.Client.Tests.Hosting;

public sealed class IterationClientOptionsTests
{
    /// <summary>Sets one setting to an invalid value.</summary>
    internal static void Break(IterationClientOptions options, string setting)
    {
        switch (setting)
        {
            case nameof(IterationClientOptions.StallTimeout): options.StallTimeout = TimeSpan.Zero; break;
            case nameof(IterationClientOptions.InitialReconnectDelay): options.InitialReconnectDelay = TimeSpan.FromMilliseconds(-1); break;
            case nameof(IterationClientOptions.MaxReconnectDelay): options.MaxReconnectDelay = TimeSpan.MaxValue; break;
            case nameof(IterationClientOptions.MaxConsecutiveFailures): options.MaxConsecutiveFailures = -1; break;
            case nameof(IterationClientOptions.RoutePrefix): options.RoutePrefix = "generations"; break;
            default: throw new ArgumentOutOfRangeException(nameof(setting));
        }
    }

    [Fact]
    public void Defaults_AreValidAndAsDocumented()
    {
        var options = new IterationClientOptions();

        options.Check().Should().BeEmpty();
        options.RoutePrefix.Should().Be("/generations");
        options.InitialReconnectDelay.Should().Be(TimeSpan.FromSeconds(1));
        options.MaxReconnectDelay.Should().Be(TimeSpan.FromSeconds(30));
        options.MaxConsecutiveFailures.Should().Be(10);
        options.StallTimeout.Should().Be(TimeSpan.FromSeconds(45));
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/generations")]
    [InlineData("/v1/runs/")]
    public void RoutePrefix_Paths_AreValid(string prefix)
    {
        new IterationClientOptions { RoutePrefix = prefix }.Check().Should().BeEmpty();
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("generations")]
    [InlineData("http://evil.example/generations")]
    [InlineData("//evil.example/generations")]
    [InlineData("/generations?x=1")]
    [InlineData("/generations#x")]
    [InlineData("/a/../b")]
    [InlineData("/a/./b")]
    [InlineData("/a b")]
    [InlineData("/a\\b")]
    [InlineData("/a%2Fb")]
    [InlineData("/a\nb")]
    public void RoutePrefix_NotAPlainPath_IsInvalid(string prefix)
    {
        new IterationClientOptions { RoutePrefix = prefix }.Check().Should().ContainSingle().Which.Should().Contain("RoutePrefix");
    }

    [Theory]
    [InlineData(nameof(IterationClientOptions.StallTimeout))]
    [InlineData(nameof(IterationClientOptions.InitialReconnectDelay))]
    [InlineData(nameof(IterationClientOptions.MaxReconnectDelay))]
    [InlineData(nameof(IterationClientOptions.MaxConsecutiveFailures))]
    [InlineData(nameof(IterationClientOptions.RoutePrefix))]
    public void Check_InvalidSetting_NamesIt(string setting)
    {
        var options = new IterationClientOptions();
        Break(options, setting);

        options.Check().Should().ContainSingle().Which.Should().Contain(setting);
    }

    [Fact]
    public void MaxConsecutiveFailures_ZeroAndNull_AreValid()
    {
        new IterationClientOptions { MaxConsecutiveFailures = 0 }.Check().Should().BeEmpty();
        new IterationClientOptions { MaxConsecutiveFailures = null }.Check().Should().BeEmpty();
    }

    [Fact]
    public void Constructor_InvalidOptions_ThrowsArgumentExceptionNamingTheSetting()
    {
        using var http = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:1/") };

        var act = () => new IterationClient(http, new IterationClientOptions { StallTimeout = TimeSpan.FromDays(60) });

        act.Should().Throw<ArgumentException>().WithMessage("*StallTimeout*");
    }
}
