using Iteration.Streaming.Hosting;
using Iteration.Streaming.StackExchangeRedis.Connections;
using Iteration.Streaming.StackExchangeRedis.EventLog;
using Iteration.Streaming.StackExchangeRedis.Health;
using Iteration.Streaming.StackExchangeRedis.Hosting;
using Iteration.Streaming.StackExchangeRedis.Ownership;
using Iteration.Streaming.StackExchangeRedis.Records;
using Iteration.Streaming.StackExchangeRedis.Scripts;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;

/// <summary>
/// One "app instance" of the Redis event log: its own connections, tail reader and log, over a key prefix that
/// isolates the test. Two harnesses with the same prefix are two instances sharing one Redis.
/// </summary>
public sealed class RedisLogHarness : IAsyncDisposable
{
    private RedisLogHarness(IterationStreamingRedisOptions options, IterationStreamingOptions coreOptions, TimeProvider timeProvider, ILogger<RedisStreamTail>? tailLogger)
    {
        Options = options;
        CoreOptions = coreOptions;
        Connection = new RedisConnection(Microsoft.Extensions.Options.Options.Create(options));
        Scripts = new RedisScriptGateway(Connection);
        Tail = new RedisStreamTail(Connection, Scripts, timeProvider, tailLogger);
        var core = new StaticOptionsMonitor<IterationStreamingOptions>(coreOptions);
        var copies = new OwnedRecordCopies();
        var journals = new GenerationJournals();
        Records = new RedisGenerationRecordStore(Connection, Scripts, copies, timeProvider);
        Buffer = new OutageBuffer(Connection, Scripts, journals, copies, core, timeProvider);
        Appender = new RedisAppender(Connection, Scripts, journals, Buffer, core, timeProvider);
        Log = new RedisGenerationEventLog(Connection, Scripts, Tail, Appender, core, timeProvider);
        var owned = new OwnedRuns(copies);
        var handOver = new RunHandOver(Connection, Scripts, owned, journals);
        Coordinator = new RedisRunCoordinator(
            Connection,
            owned,
            new LeaseRenewal(Scripts, owned, journals, Buffer, timeProvider),
            new VanishedGenerationSweep(Scripts, Tail, timeProvider),
            new RunTakeover(Connection, Scripts, owned, journals, handOver, timeProvider),
            handOver,
            new RemoteCancel(Connection, Scripts, owned),
            new RemoteInput(Connection, Scripts, owned),
            timeProvider);
    }

    public IterationStreamingRedisOptions Options { get; }

    public IterationStreamingOptions CoreOptions { get; }

    internal RedisConnection Connection { get; }

    internal RedisStreamTail Tail { get; }

    internal RedisGenerationEventLog Log { get; }

    internal RedisGenerationRecordStore Records { get; }

    internal RedisAppender Appender { get; }

    internal OutageBuffer Buffer { get; }

    internal RedisScriptGateway Scripts { get; }

    /// <summary>Not started: a test starts it (or runs rounds by hand) when it needs lease renewal and takeover.</summary>
    internal RedisRunCoordinator Coordinator { get; }

    internal RedisBackplaneHealthCheck HealthCheck => new(Connection, Tail, Buffer);

    public static string NewPrefix() => "t" + Guid.NewGuid().ToString("N")[..12];

    internal static RedisLogHarness Start(
        RedisServerFixture server,
        string? prefix = null,
        Action<IterationStreamingRedisOptions>? configure = null,
        IterationStreamingOptions? coreOptions = null,
        TimeProvider? timeProvider = null,
        ILogger<RedisStreamTail>? tailLogger = null)
    {
        var options = new IterationStreamingRedisOptions
        {
            Configuration = server.Configuration,
            KeyPrefix = prefix ?? NewPrefix(),
            InstanceName = "test-" + Guid.NewGuid().ToString("N")[..12],
            ReconnectDelay = TimeSpan.FromMilliseconds(20),
        };
        configure?.Invoke(options);
        return new RedisLogHarness(options, coreOptions ?? new IterationStreamingOptions(), timeProvider ?? TimeProvider.System, tailLogger);
    }

    public async ValueTask DisposeAsync()
    {
        await Coordinator.DisposeAsync();
        await Buffer.DisposeAsync();
        await Tail.DisposeAsync();
        await Connection.DisposeAsync();
    }
}
