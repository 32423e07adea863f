using Iteration.Streaming.EventLog;
using Iteration.Streaming.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Tests.Hosting;

public sealed class AddIterationStreamingTests
{
    [Fact]
    public void AddIterationStreaming_RegistersDefaultsWithTheDocumentedValues()
    {
        using var provider = new ServiceCollection().AddIterationStreaming().Services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<IterationStreamingOptions>>().Value;

        provider.GetRequiredService<IGenerationEventLog>().Should().NotBeNull();
        provider.GetRequiredService<TimeProvider>().Should().BeSameAs(TimeProvider.System);
        options.IdleTimeout.Should().Be(TimeSpan.FromMinutes(5));
        options.HeartbeatInterval.Should().Be(TimeSpan.FromSeconds(15));
        options.RetryInterval.Should().Be(TimeSpan.FromSeconds(2));
        options.TokenLifetime.Should().Be(TimeSpan.FromMinutes(30));
        options.TerminalGracePeriod.Should().Be(TimeSpan.FromMinutes(5));
        options.RetainCompletedFor.Should().Be(TimeSpan.FromDays(7));
        options.MaxRetainedGenerations.Should().Be(10_000);
        options.MaxTokenLifetime.Should().Be(TimeSpan.FromHours(24));
        options.ResumeInterruptedRuns.Should().BeNull("resumed when the record store is durable");
        options.MaxResumeAttempts.Should().Be(3);
        options.MaxStreamsPerGeneration.Should().Be(32);
    }

    [Fact]
    public void AddIterationStreaming_CalledTwice_RegistersEachServiceOnce()
    {
        var services = new ServiceCollection();

        services.AddIterationStreaming();
        var count = services.Count;
        services.AddIterationStreaming();

        services.Count.Should().Be(count);
    }

    [Fact]
    public void AddIterationStreaming_KeepsAUserRegisteredTimeProvider()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var services = new ServiceCollection().AddSingleton<TimeProvider>(clock);

        using var provider = services.AddIterationStreaming().Services.BuildServiceProvider();

        provider.GetRequiredService<TimeProvider>().Should().BeSameAs(clock);
    }

    [Fact]
    public void Options_AreBoundFromTheIterationStreamingSection_ThenConfigured()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["IterationStreaming:HeartbeatInterval"] = "00:00:01",
            ["IterationStreaming:MaxConcurrentGenerations"] = "9",
            ["IterationStreaming:RetryInterval"] = "00:00:05",
            ["IterationStreaming:Checkpoints:Enabled"] = "false",
            ["IterationStreaming:Checkpoints:MaxBytes"] = "1048576",
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);

        using var provider = services.AddIterationStreaming(o => o.RetryInterval = TimeSpan.FromSeconds(3)).Services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<IterationStreamingOptions>>().Value;

        options.HeartbeatInterval.Should().Be(TimeSpan.FromSeconds(1));
        options.MaxConcurrentGenerations.Should().Be(9);
        options.Checkpoints.Enabled.Should().BeFalse();
        options.Checkpoints.MaxBytes.Should().Be(1024 * 1024);
        options.RetryInterval.Should().Be(TimeSpan.FromSeconds(3), "the delegate runs after configuration binding");
    }

    [Fact]
    public void InvalidOptions_FailValidationNamingEverySetting()
    {
        var services = new ServiceCollection().AddIterationStreaming(o =>
        {
            o.HeartbeatInterval = TimeSpan.Zero;
            o.MaxConcurrentGenerations = 0;
            o.SigningKey = "short";
            o.MaxEventsPerGeneration = 1;
        }).Services;
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptions<IterationStreamingOptions>>().Value;

        act.Should().Throw<OptionsValidationException>()
            .Which.Failures.Should().HaveCount(4)
            .And.Contain(f => f.Contains("IterationStreamingOptions.HeartbeatInterval", StringComparison.Ordinal))
            .And.Contain(f => f.Contains("IterationStreamingOptions.MaxConcurrentGenerations", StringComparison.Ordinal))
            .And.Contain(f => f.Contains("IterationStreaming:SigningKey", StringComparison.Ordinal))
            .And.Contain(f => f.Contains("IterationStreamingOptions.MaxEventsPerGeneration", StringComparison.Ordinal));
    }

    public static TheoryData<string, Action<IterationStreamingOptions>> InvalidSettings => new()
    {
        { "IdleTimeout", o => o.IdleTimeout = TimeSpan.Zero },
        { "TerminalGracePeriod", o => o.TerminalGracePeriod = TimeSpan.FromTicks(-1) },
        { "RetryInterval", o => o.RetryInterval = TimeSpan.FromHours(1) + TimeSpan.FromTicks(1) },
        { "MaxStreamLifetime", o => o.MaxStreamLifetime = TimeSpan.FromDays(1) + TimeSpan.FromTicks(1) },
        { "MaxTokenLifetime", o => o.MaxTokenLifetime = o.TokenLifetime - TimeSpan.FromTicks(1) },
        { "MaxFileSize", o => o.MaxFileSize = (long)int.MaxValue + 1 },
        { "MaxPhaseBytes", o => o.MaxPhaseBytes = 0 },
        { "MaxQueuedGenerations", o => o.MaxQueuedGenerations = -1 },
        { "MaxPartialOutputBytes", o => o.MaxPartialOutputBytes = 64 * 1024 * 1024 + 1 },
        { "FileSinkRoot", o => o.FileSinkRoot = "  " },
        { "SigningKey", o => o.SigningKey = new string('k', 31) },
        { "SigningKeyFile", o => o.SigningKeyFile = "  " },
        { "MaxBytes", o => o.Checkpoints.MaxBytes = 64 * 1024 - 1 },
        { "MaxBytes", o => o.Checkpoints.MaxBytes = 1024L * 1024 * 1024 + 1 },
        { "MaxResumeStateBytes", o => o.Checkpoints.MaxResumeStateBytes = 1023 },
        { "MaxResumeStateBytes", o => o.Checkpoints.MaxResumeStateBytes = 1024 * 1024 + 1 },
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public void InvalidOptions_OneSettingOutOfRange_FailsOnceNamingIt(string setting, Action<IterationStreamingOptions> configure)
    {
        using var provider = new ServiceCollection().AddIterationStreaming(configure).Services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptions<IterationStreamingOptions>>().Value;

        act.Should().Throw<OptionsValidationException>().Which.Failures.Should().ContainSingle().Which.Should().Contain(setting);
    }

    [Fact]
    public void Options_AtTheEdgesOfTheirRanges_AreValid()
    {
        using var provider = new ServiceCollection().AddIterationStreaming(o =>
        {
            o.IdleTimeout = TimeSpan.FromTicks(1);
            o.RetryInterval = TimeSpan.FromHours(1);
            o.MaxStreamLifetime = TimeSpan.FromDays(1);
            o.RetainCompletedFor = TimeSpan.MaxValue;
            o.MaxTokenLifetime = o.TokenLifetime;
            o.MaxFileSize = int.MaxValue;
            o.MaxGenerationBytes = long.MaxValue;
            o.MaxQueuedGenerations = 0;
            o.SigningKey = string.Empty;
        }).Services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptions<IterationStreamingOptions>>().Value;

        act.Should().NotThrow();
    }

    [Fact]
    public void Options_AreValidatedOnStart()
    {
        var services = new ServiceCollection().AddIterationStreaming(o => o.IdleTimeout = TimeSpan.FromSeconds(-1)).Services;
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IStartupValidator>().Validate();

        act.Should().Throw<OptionsValidationException>().WithMessage("*IdleTimeout*");
    }

    [Fact]
    public void AddIterationStreaming_NullServices_Throws()
    {
        var act = () => IterationStreamingServiceCollectionExtensions.AddIterationStreaming(null!);

        act.Should().Throw<ArgumentNullException>();
    }
}
