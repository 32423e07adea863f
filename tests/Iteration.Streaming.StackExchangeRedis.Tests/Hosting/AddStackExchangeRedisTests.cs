using Iteration.Streaming.EventLog;
using Iteration.Streaming.Records;
using Iteration.Streaming.ScaleOut;
using Iteration.Streaming.StackExchangeRedis.Health;
using Iteration.Streaming.StackExchangeRedis.Hosting;
using Iteration.Streaming.StackExchangeRedis.Ownership;
using Iteration.Streaming.StackExchangeRedis.Records;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Iteration.Streaming.TestHost;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Hosting;

[Collection(RedisCollection.Name)]
public sealed class AddStackExchangeRedisTests(RedisServerFixture server) : IDisposable
{
    private readonly List<ServiceProvider> _providers = [];

    public void Dispose()
    {
        foreach (var provider in _providers)
        {
            provider.Dispose();
        }
    }

    [Fact]
    public async Task AddStackExchangeRedis_ReplacesTheInMemoryEventLog()
    {
        var services = new ServiceCollection();
        services.AddIterationStreaming().AddStackExchangeRedis(server.Configuration, o => o.KeyPrefix = RedisLogHarness.NewPrefix());
        await using var provider = services.BuildServiceProvider();

        var log = provider.GetRequiredService<IGenerationEventLog>();

        log.GetType().Name.Should().Be("RedisGenerationEventLog");
        services.Count(d => d.ServiceType == typeof(IGenerationEventLog)).Should().Be(1);
        var id = TestEvents.NewId();
        await log.CreateAsync(id);
        (await server.Database.KeyExistsAsync(((Iteration.Streaming.StackExchangeRedis.EventLog.RedisGenerationEventLog)log).Keys.Meta(id))).Should().BeTrue();
    }

    [Fact]
    public void AddStackExchangeRedis_CalledTwice_RegistersEachServiceOnce()
    {
        var services = new ServiceCollection();
        var builder = services.AddIterationStreaming().AddStackExchangeRedis(server.Configuration);
        var count = services.Count;

        builder.AddStackExchangeRedis(server.Configuration);

        services.Count.Should().Be(count + 1, "only the second configure action is added");
        services.Count(d => d.ServiceType == typeof(IGenerationEventLog)).Should().Be(1);
    }

    [Fact]
    public async Task AddStackExchangeRedis_WithAnExistingConnection_UsesItAndLeavesItOpen()
    {
        var connection = await ConnectionMultiplexer.ConnectAsync(server.Configuration + ",name=host-owned");
        var prefix = RedisLogHarness.NewPrefix();
        var id = TestEvents.NewId();
        var services = new ServiceCollection();
        services.AddIterationStreaming(o => o.SigningKey = KestrelTestHost.SigningKey).AddStackExchangeRedis(connection, o => o.KeyPrefix = prefix);

        await using (var provider = services.BuildServiceProvider())
        {
            provider.GetRequiredService<IStartupValidator>().Validate();
            await provider.GetRequiredService<IGenerationEventLog>().CreateAsync(id);
        }

        connection.IsConnected.Should().BeTrue("the host owns the connection it passed in");
        (await connection.GetDatabase().KeyExistsAsync($"{prefix}:{{{id}}}:meta")).Should().BeTrue();
        await connection.DisposeAsync();
    }

    [Fact]
    public void AddStackExchangeRedis_RegistersTheHealthCheck()
    {
        var services = new ServiceCollection();
        services.AddIterationStreaming().AddStackExchangeRedis(server.Configuration);
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<RedisBackplaneHealthCheck>().Should().NotBeNull();
    }

    [Fact]
    public void AddStackExchangeRedis_NullArguments_Throw()
    {
        var builder = new ServiceCollection().AddIterationStreaming();

        FluentActions.Invoking(() => builder.AddStackExchangeRedis((string)null!)).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => builder.AddStackExchangeRedis(" ")).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => builder.AddStackExchangeRedis((IConnectionMultiplexer)null!)).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => builder.AddStackExchangeRedis((Action<IterationStreamingRedisOptions>)null!)).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => ((Iteration.Streaming.Hosting.IIterationStreamingBuilder)null!).AddStackExchangeRedis(server.Configuration)).Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public async Task AddStackExchangeRedis_MovesRecordsAndOwnershipToRedis()
    {
        var services = new ServiceCollection();
        services.AddIterationStreaming(o => o.SigningKey = KestrelTestHost.SigningKey).AddStackExchangeRedis(server.Configuration, o => o.KeyPrefix = RedisLogHarness.NewPrefix());
        await using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IGenerationRecordStore>().Should().BeOfType<RedisGenerationRecordStore>();
        provider.GetRequiredService<IRunCoordinator>().Should().BeOfType<RedisRunCoordinator>();
        services.Count(d => d.ServiceType == typeof(IGenerationRecordStore)).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(IRunCoordinator)).Should().Be(1);
    }

    [Fact]
    public async Task AddStackExchangeRedis_ReplacesTheInMemoryBudgetLedger()
    {
        var services = new ServiceCollection();
        services.AddIterationStreaming(o => o.SigningKey = KestrelTestHost.SigningKey).AddStackExchangeRedis(server.Configuration, o => o.KeyPrefix = RedisLogHarness.NewPrefix());
        await using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<Iteration.Streaming.Budgets.IBudgetLedger>().Should().BeOfType<Iteration.Streaming.StackExchangeRedis.Budgets.RedisBudgetLedger>();
        services.Count(d => d.ServiceType == typeof(Iteration.Streaming.Budgets.IBudgetLedger)).Should().Be(1);
    }

    [Fact]
    public void AddStackExchangeRedis_WithoutASigningKey_FailsAtStartNamingIt()
    {
        var services = new ServiceCollection();
        services.AddIterationStreaming().AddStackExchangeRedis(server.Configuration);
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IStartupValidator>().Validate();

        act.Should().Throw<OptionsValidationException>()
            .WithMessage("*IterationStreaming:SigningKey must be set when generations are shared through Redis*same key*");
    }

    [Fact]
    public async Task AddStackExchangeRedis_WithoutASigningKey_AHostDoesNotStart()
    {
        var act = () => KestrelTestHost.StartAsync(
            configureOptions: o => o.SigningKey = null,
            configureServices: b => b.Services.AddIterationStreaming().AddStackExchangeRedis(server.Configuration));

        await act.Should().ThrowAsync<OptionsValidationException>().WithMessage("*SigningKey*");
    }

    [Fact]
    public void Options_AreBoundFromConfiguration_WithTheConnectionStringOnTheSectionItself()
    {
        var provider = BuildWithConfiguration(new Dictionary<string, string?>
        {
            ["IterationStreaming:Redis"] = "redis.example:6380",
            ["IterationStreaming:Redis:KeyPrefix"] = "shop",
            ["IterationStreaming:Redis:InstanceName"] = "web-1",
            ["IterationStreaming:Redis:LeaseDuration"] = "00:00:12",
            ["IterationStreaming:Redis:LeaseRenewalInterval"] = "00:00:03",
            ["IterationStreaming:Redis:OutageTimeout"] = "00:02:00",
            ["IterationStreaming:Redis:MaxBufferedEvents"] = "500",
            ["IterationStreaming:Redis:BlockTimeout"] = "00:00:02",
            ["IterationStreaming:Redis:ReconnectDelay"] = "00:00:00.250",
            ["IterationStreaming:Redis:TailBatchSize"] = "64",
            ["IterationStreaming:Redis:ReplayBatchSize"] = "32",
            ["IterationStreaming:Redis:LocalWindowSize"] = "128",
        });

        var options = provider.GetRequiredService<IOptions<IterationStreamingRedisOptions>>().Value;

        options.Should().BeEquivalentTo(new
        {
            Configuration = "redis.example:6380",
            KeyPrefix = "shop",
            InstanceName = "web-1",
            LeaseDuration = TimeSpan.FromSeconds(12),
            LeaseRenewalInterval = TimeSpan.FromSeconds(3),
            OutageTimeout = TimeSpan.FromMinutes(2),
            MaxBufferedEvents = 500,
            BlockTimeout = TimeSpan.FromSeconds(2),
            ReconnectDelay = TimeSpan.FromMilliseconds(250),
            TailBatchSize = 64,
            ReplayBatchSize = 32,
            LocalWindowSize = 128,
        });
    }

    [Fact]
    public void Options_FromCode_WinOverConfiguration()
    {
        var provider = BuildWithConfiguration(
            new Dictionary<string, string?> { ["IterationStreaming:Redis"] = "from-config:6379", ["IterationStreaming:Redis:KeyPrefix"] = "config" },
            o => o.KeyPrefix = "code");

        var options = provider.GetRequiredService<IOptions<IterationStreamingRedisOptions>>().Value;

        options.Configuration.Should().Be(server.Configuration);
        options.KeyPrefix.Should().Be("code");
    }

    [Theory]
    [InlineData("LeaseDuration", "soon")]
    [InlineData("MaxBufferedEvents", "many")]
    [InlineData("TailBatchSize", "1e3")]
    public void Options_MalformedConfigurationValue_FailsNamingTheKey(string key, string value)
    {
        var provider = BuildWithConfiguration(new Dictionary<string, string?> { ["IterationStreaming:Redis:" + key] = value });

        var act = () => provider.GetRequiredService<IOptions<IterationStreamingRedisOptions>>().Value;

        act.Should().Throw<InvalidOperationException>().WithMessage($"*IterationStreaming:Redis:{key}*");
    }

    [Fact]
    public void Options_EmptyConfigurationValue_KeepsTheDefault()
    {
        var provider = BuildWithConfiguration(new Dictionary<string, string?>
        {
            ["IterationStreaming:Redis"] = "localhost:6379",
            ["IterationStreaming:Redis:LeaseRenewalInterval"] = string.Empty,
        });

        var options = provider.GetRequiredService<IOptions<IterationStreamingRedisOptions>>().Value;

        options.LeaseRenewalInterval.Should().Be(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Options_HaveTheDocumentedDefaults()
    {
        var options = new IterationStreamingRedisOptions();

        options.KeyPrefix.Should().Be("iteration-streaming");
        options.BlockTimeout.Should().Be(TimeSpan.FromSeconds(5));
        options.ReconnectDelay.Should().Be(TimeSpan.FromSeconds(1));
        options.TailBatchSize.Should().Be(256);
        options.ReplayBatchSize.Should().Be(256);
        options.LocalWindowSize.Should().Be(1_024);
        options.LeaseDuration.Should().Be(TimeSpan.FromSeconds(30));
        options.LeaseRenewalInterval.Should().Be(TimeSpan.FromSeconds(10));
        options.OutageTimeout.Should().Be(TimeSpan.FromMinutes(1));
        options.MaxBufferedEvents.Should().Be(10_000);
        options.InstanceName.Should().MatchRegex("^[A-Za-z0-9_.-]+-[0-9]+-[0-9a-f]{8}$");
        new IterationStreamingRedisOptions().InstanceName.Should().NotBe(options.InstanceName, "two instances on one machine need distinct names");
    }

    [Fact]
    public void Options_AreValidatedOnStart()
    {
        var services = new ServiceCollection();
        services.AddIterationStreaming(o => o.SigningKey = KestrelTestHost.SigningKey).AddStackExchangeRedis(server.Configuration, o => o.BlockTimeout = TimeSpan.Zero);
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IStartupValidator>().Validate();

        act.Should().Throw<OptionsValidationException>().WithMessage("*BlockTimeout*");
    }

    [Fact]
    public void Options_WithoutConfiguration_FailNamingIt()
    {
        var services = new ServiceCollection();
        services.AddIterationStreaming().AddStackExchangeRedis(o => o.KeyPrefix = "app");
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptions<IterationStreamingRedisOptions>>().Value;

        act.Should().Throw<OptionsValidationException>().WithMessage("*Configuration must be set*");
    }

    [Theory]
    [InlineData("")]
    [InlineData("has{brace}")]
    [InlineData("has space")]
    [InlineData("a/b")]
    public void Options_BadKeyPrefix_FailNamingIt(string prefix)
    {
        var result = Validate(o => o.KeyPrefix = prefix);

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain("KeyPrefix");
    }

    [Fact]
    public void Options_OversizedKeyPrefix_Fails() =>
        Validate(o => o.KeyPrefix = new string('a', 65)).FailureMessage.Should().Contain("KeyPrefix");

    [Theory]
    [InlineData("")]
    [InlineData("has:colon")]
    [InlineData("brace{")]
    public void Options_BadInstanceName_FailNamingIt(string name) =>
        Validate(o => o.InstanceName = name).FailureMessage.Should().Contain("InstanceName");

    [Fact]
    public void Options_OutOfRangeNumbers_FailNamingEachSetting()
    {
        var result = Validate(o =>
        {
            o.BlockTimeout = TimeSpan.FromHours(1);
            o.ReconnectDelay = TimeSpan.FromTicks(-1);
            o.TailBatchSize = 0;
            o.ReplayBatchSize = 100_000;
            o.LocalWindowSize = 1;
        });

        result.Failures.Should().HaveCount(5);
        result.FailureMessage.Should().ContainAll("BlockTimeout", "ReconnectDelay", "TailBatchSize", "ReplayBatchSize", "LocalWindowSize");
    }

    [Fact]
    public void Options_OutOfRangeLeaseAndOutageSettings_FailNamingEachSetting()
    {
        var result = Validate(o =>
        {
            o.LeaseDuration = TimeSpan.FromMilliseconds(50);
            o.LeaseRenewalInterval = TimeSpan.Zero;
            o.OutageTimeout = TimeSpan.Zero;
            o.MaxBufferedEvents = -1;
        });

        result.FailureMessage.Should().ContainAll("LeaseDuration", "LeaseRenewalInterval", "OutageTimeout", "MaxBufferedEvents");
    }

    [Fact]
    public void Options_RenewalLongerThanHalfTheLease_Fails() =>
        Validate(o =>
        {
            o.LeaseDuration = TimeSpan.FromSeconds(10);
            o.LeaseRenewalInterval = TimeSpan.FromSeconds(6);
        }).FailureMessage.Should().Contain("LeaseRenewalInterval must be at most half of LeaseDuration");

    [Fact]
    public void Options_OversizedLeaseAndBuffer_Fail()
    {
        var result = Validate(o =>
        {
            o.LeaseDuration = TimeSpan.FromHours(2);
            o.OutageTimeout = TimeSpan.FromDays(2);
            o.MaxBufferedEvents = int.MaxValue;
        });

        result.FailureMessage.Should().ContainAll("LeaseDuration", "OutageTimeout", "MaxBufferedEvents");
    }

    [Fact]
    public void Options_UnparsableConfiguration_FailsWithoutEchoingIt()
    {
        var result = Validate(o => o.Configuration = "localhost:6379,password=secret-value,notAnOption=1");

        result.FailureMessage.Should().Contain("Configuration").And.NotContain("secret-value");
    }

    [Fact]
    public void Options_Valid_Pass() => Validate(_ => { }).Succeeded.Should().BeTrue();

    private ServiceProvider BuildWithConfiguration(Dictionary<string, string?> values, Action<IterationStreamingRedisOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        var builder = services.AddIterationStreaming(o => o.SigningKey = KestrelTestHost.SigningKey);
        if (configure is null)
        {
            builder.AddStackExchangeRedis(_ => { });
        }
        else
        {
            builder.AddStackExchangeRedis(server.Configuration, configure);
        }

        var provider = services.BuildServiceProvider();
        _providers.Add(provider);
        return provider;
    }

    private ValidateOptionsResult Validate(Action<IterationStreamingRedisOptions> configure)
    {
        var options = new IterationStreamingRedisOptions { Configuration = server.Configuration };
        configure(options);
        return new IterationStreamingRedisOptionsValidator().Validate(null, options);
    }
}
