using Iteration.Streaming.EventLog;
using Iteration.Streaming.Records;
using Iteration.Streaming.Sqlite.Hosting;
using Iteration.Streaming.Sqlite.Storage;
using Iteration.Streaming.Sqlite.Tests.Fixtures;
using Iteration.Streaming.TestHost;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Sqlite.Tests.Hosting;

public sealed class AddSqliteStoreTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task AddSqliteStore_ReplacesTheInMemoryEventLogAndRecordStore()
    {
        var services = new ServiceCollection();
        services.AddIterationStreaming().AddSqliteStore(_folder.File());
        await using var provider = services.BuildServiceProvider();

        var log = provider.GetRequiredService<IGenerationEventLog>();
        var records = provider.GetRequiredService<IGenerationRecordStore>();

        log.GetType().Name.Should().Be("SqliteGenerationEventLog");
        records.GetType().Name.Should().Be("SqliteGenerationRecordStore");
        records.IsDurable.Should().BeTrue();
        services.Count(d => d.ServiceType == typeof(IGenerationEventLog)).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(IGenerationRecordStore)).Should().Be(1);
        File.Exists(_folder.File()).Should().BeTrue();
    }

    [Fact]
    public async Task AddSqliteStore_ReplacesTheInMemoryBudgetLedgerWithOneInTheFile()
    {
        var services = new ServiceCollection();
        services.AddIterationStreaming().AddSqliteStore(_folder.File());
        await using var provider = services.BuildServiceProvider();

        var ledger = provider.GetRequiredService<Iteration.Streaming.Budgets.IBudgetLedger>();
        await ledger.TryReserveAsync(new Iteration.Streaming.Budgets.BudgetReservation
        {
            UserId = "owner",
            GenerationId = "g",
            Tokens = 5,
            Day = DateOnly.FromDateTime(TestEvents.Epoch.UtcDateTime),
            At = TestEvents.Epoch,
        });

        ledger.GetType().Name.Should().Be("SqliteBudgetLedger");
        services.Count(d => d.ServiceType == typeof(Iteration.Streaming.Budgets.IBudgetLedger)).Should().Be(1);
        provider.GetRequiredService<SqliteStore>().Path.Should().Be(_folder.File());
    }

    [Fact]
    public async Task AddSqliteStore_ReplacesTheInMemoryCheckpointStoreWithOneInTheFile()
    {
        var services = new ServiceCollection();
        services.AddIterationStreaming().AddSqliteStore(_folder.File());
        await using var provider = services.BuildServiceProvider();

        var checkpoints = provider.GetRequiredService<Iteration.Streaming.Checkpoints.IPhaseCheckpointStore>();
        await checkpoints.WriteAsync(new Iteration.Streaming.Checkpoints.PhaseCheckpointWrite { GenerationId = "g", Phase = 1, Attempt = 1, CurrentFile = "a", Text = "x" });

        checkpoints.GetType().Name.Should().Be("SqlitePhaseCheckpointStore");
        services.Count(d => d.ServiceType == typeof(Iteration.Streaming.Checkpoints.IPhaseCheckpointStore)).Should().Be(1);
        (await checkpoints.ReadAsync("g"))!.CurrentText.Should().Be("x");
    }

    [Fact]
    public async Task AddSqliteStore_LogAndRecordsShareOneFile()
    {
        var services = new ServiceCollection();
        services.AddIterationStreaming().AddSqliteStore(_folder.File());
        await using var provider = services.BuildServiceProvider();
        var id = TestEvents.NewId();

        await provider.GetRequiredService<IGenerationEventLog>().CreateAsync(id);
        await provider.GetRequiredService<IGenerationRecordStore>().AddAsync(new GenerationRecord
        {
            GenerationId = id,
            Prompt = "p",
            Entities = [],
            Status = "queued",
            CreatedAt = TestEvents.Epoch,
        });

        Directory.GetFiles(_folder.Path, "*.db").Should().ContainSingle();
        provider.GetRequiredService<SqliteStore>().Path.Should().Be(_folder.File());
    }

    [Fact]
    public async Task AddSqliteStore_CalledTwice_RegistersEachServiceOnceAndTheLastPathWins()
    {
        var services = new ServiceCollection();
        services.AddIterationStreaming().AddSqliteStore(_folder.File("first.db")).AddSqliteStore(_folder.File("second.db"));
        await using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<SqliteStore>().Path.Should().Be(_folder.File("second.db"));
        services.Count(d => d.ServiceType == typeof(SqliteStore)).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Assembly == typeof(SqliteStore).Assembly).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(IGenerationEventLog)).Should().Be(1);
    }

    [Fact]
    public void AddSqliteStore_NullArguments_Throw()
    {
        var builder = new ServiceCollection().AddIterationStreaming();

        FluentActions.Invoking(() => SqliteIterationStreamingBuilderExtensions.AddSqliteStore(null!, "x.db")).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => builder.AddSqliteStore((string)null!)).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => builder.AddSqliteStore("  ")).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => builder.AddSqliteStore((Action<SqliteStoreOptions>)null!)).Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public async Task HostedService_OpensTheStoreAtStart()
    {
        var services = new ServiceCollection();
        services.AddIterationStreaming().AddSqliteStore(_folder.File()).AddPhaseGenerator(_ => throw new NotSupportedException("no run starts here"));
        await using var provider = services.BuildServiceProvider();

        foreach (var hosted in provider.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
        }

        File.Exists(_folder.File()).Should().BeTrue();
    }

    [Fact]
    public async Task AHostOnAFileThatIsNotOurs_DoesNotStart()
    {
        var path = _folder.File();
        await File.WriteAllTextAsync(path, string.Concat(Enumerable.Repeat("not a database ", 500)));

        var act = () => KestrelTestHost.StartAsync(configureServices: b => b.Services.AddIterationStreaming().AddSqliteStore(path));

        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage($"*'{path}'*IterationStreaming:Sqlite:Path*not a SQLite database*");
    }

    [Fact]
    public async Task AHostWithoutAPath_DoesNotStartAndNamesTheSetting()
    {
        var act = () => KestrelTestHost.StartAsync(configureServices: b => b.Services.AddIterationStreaming().AddSqliteStore(o => o.BusyTimeout = TimeSpan.FromSeconds(1)));

        await act.Should().ThrowAsync<OptionsValidationException>().WithMessage("*IterationStreaming:Sqlite:Path*");
    }

    [Fact]
    public void Options_AreBoundFromConfiguration_WithThePathOnTheSectionItself()
    {
        var options = Bind(new Dictionary<string, string?>
        {
            ["IterationStreaming:Sqlite"] = "data/app.db",
            ["IterationStreaming:Sqlite:BusyTimeout"] = "00:00:09",
            ["IterationStreaming:Sqlite:MaxBatchSize"] = "64",
            ["IterationStreaming:Sqlite:LiveWindowSize"] = "32",
            ["IterationStreaming:Sqlite:FlushCommitsToDisk"] = "false",
        });

        options.Path.Should().Be("data/app.db");
        options.BusyTimeout.Should().Be(TimeSpan.FromSeconds(9));
        options.MaxBatchSize.Should().Be(64);
        options.LiveWindowSize.Should().Be(32);
        options.FlushCommitsToDisk.Should().BeFalse();
    }

    [Fact]
    public void Options_PathKey_WinsOverTheSectionValue()
    {
        var options = Bind(new Dictionary<string, string?>
        {
            ["IterationStreaming:Sqlite"] = "section.db",
            ["IterationStreaming:Sqlite:Path"] = "key.db",
        });

        options.Path.Should().Be("key.db");
    }

    [Fact]
    public void Options_FromCode_WinOverConfiguration()
    {
        var options = Bind(
            new Dictionary<string, string?> { ["IterationStreaming:Sqlite:Path"] = "config.db", ["IterationStreaming:Sqlite:MaxBatchSize"] = "64" },
            o => o.Path = "code.db");

        options.Path.Should().Be("code.db");
        options.MaxBatchSize.Should().Be(64);
    }

    [Fact]
    public void Options_MalformedConfigurationValue_FailsNamingTheKey()
    {
        var act = () => Bind(new Dictionary<string, string?> { ["IterationStreaming:Sqlite:BusyTimeout"] = "soon" });

        act.Should().Throw<InvalidOperationException>().WithMessage("*IterationStreaming:Sqlite:BusyTimeout*");
    }

    [Fact]
    public void Options_HaveTheDocumentedDefaults()
    {
        var options = new SqliteStoreOptions();

        options.Path.Should().BeNull();
        options.BusyTimeout.Should().Be(TimeSpan.FromSeconds(5));
        options.MaxBatchSize.Should().Be(1_024);
        options.LiveWindowSize.Should().Be(256);
        options.FlushCommitsToDisk.Should().BeTrue();
    }

    [Fact]
    public void Options_AreValidatedOnStart()
    {
        var services = new ServiceCollection();
        services.AddIterationStreaming().AddSqliteStore(o => o.MaxBatchSize = 0);
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IStartupValidator>().Validate();

        act.Should().Throw<OptionsValidationException>().WithMessage("*IterationStreaming:Sqlite:MaxBatchSize*").And.Message.Should().Contain("IterationStreaming:Sqlite:Path");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void Options_WithoutAPath_FailNamingIt(string? path) =>
        Validate(o => o.Path = path).FailureMessage.Should().Contain("IterationStreaming:Sqlite:Path");

    [Theory]
    [InlineData("data/")]
    [InlineData("a\0b.db")]
    public void Options_PathThatCannotBeAFile_FailsNamingIt(string path) =>
        Validate(o => o.Path = path).FailureMessage.Should().Contain("IterationStreaming:Sqlite:Path");

    [Fact]
    public void Options_OutOfRangeValues_FailNamingEachSetting()
    {
        var result = Validate(o =>
        {
            o.BusyTimeout = TimeSpan.FromMilliseconds(-1);
            o.MaxBatchSize = 100_001;
            o.LiveWindowSize = 15;
        });

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain("BusyTimeout").And.Contain("MaxBatchSize").And.Contain("LiveWindowSize");
    }

    [Fact]
    public void Options_OversizedValues_Fail()
    {
        var result = Validate(o =>
        {
            o.BusyTimeout = TimeSpan.FromHours(1);
            o.LiveWindowSize = 1_000_001;
        });

        result.FailureMessage.Should().Contain("BusyTimeout").And.Contain("LiveWindowSize");
    }

    [Fact]
    public void Options_Valid_Pass() => Validate(_ => { }).Succeeded.Should().BeTrue();

    private static SqliteStoreOptions Bind(Dictionary<string, string?> values, Action<SqliteStoreOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        services.AddIterationStreaming().AddSqliteStore(configure ?? (_ => { }));
        using var provider = services.BuildServiceProvider();

        // Runs configuration binding and the code's settings in order, without the validation a partial setup would fail.
        var options = new SqliteStoreOptions();
        foreach (var step in provider.GetServices<IConfigureOptions<SqliteStoreOptions>>())
        {
            step.Configure(options);
        }

        return options;
    }

    private static ValidateOptionsResult Validate(Action<SqliteStoreOptions> configure)
    {
        var options = new SqliteStoreOptions { Path = "data/store.db" };
        configure(options);
        return new SqliteStoreOptionsValidator().Validate(null, options);
    }
}
