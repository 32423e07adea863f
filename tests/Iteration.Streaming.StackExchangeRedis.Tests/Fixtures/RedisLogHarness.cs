using Iteration.Streaming.Hosting;
using Iteration.Streaming.StackExchangeRedis.Connections;
using Iteration.Streaming.StackExchangeRedis.EventLog;
using Iteration.Streaming.StackExchangeRedis.Health;
using Iteration.Streaming.StackExchangeRedis.Hosting;
using Iteration.Streaming.StackExchangeRedis.Ownership;
using Iteration.Streaming.StackExchangeRedis.Records;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;

/// <summary>
/// One "app instance" of the Redis event log: its own connections, tail reader and log, over a key prefix that
/// isolates the test. Two harnesses with the same prefix are two instances sharing one Redis.
/// </summary>
public sealed class RedisLogHarness : IAsyncDisposable
{
    private RedisLogHarness(IterationStreamingRedisOptions options, IterationStreamingOptions coreOptions, TimeProvider timeProvider)
    {
        Options = options;
        CoreOptions = coreOptions;
        Connection = new RedisConnection(Microsoft.Extensions.Options.Options.Create(options));
        Tail = new RedisStreamTail(Connection, timeProvider);
        var core = new StaticOptionsMonitor<IterationStreamingOptions>(coreOptions);
        Records = new RedisGenerationRecordStore(Connection, timeProvider);
        Appender = new RedisAppender(Connection, Records, core, timeProvider);
        Log = new RedisGenerationEventLog(Connection, Tail, Appender, core, timeProvider);
        Keeper = new RedisLeaseKeeper(Connection, Appender, Records, Tail, timeProvider);
    }

    public IterationStreamingRedisOptions Options { get; }

    public IterationStreamingOptions CoreOptions { get; }

    internal RedisConnection Connection { get; }

    internal RedisStreamTail Tail { get; }

    internal RedisGenerationEventLog Log { get; }

    internal RedisGenerationRecordStore Records { get; }

    internal RedisAppender Appender { get; }

    /// <summary>Not started: a test starts it (or ticks it by hand) when it needs lease renewal and takeover.</summary>
    internal RedisLeaseKeeper Keeper { get; }

    internal RedisBackplaneHealthCheck HealthCheck => new(Connection, Tail, Appender);

    public static string NewPrefix() => "t" + Guid.NewGuid().ToString("N")[..12];

    public static RedisLogHarness Start(
        RedisServerFixture server,
        string? prefix = null,
        Action<IterationStreamingRedisOptions>? configure = null,
        IterationStreamingOptions? coreOptions = null,
        TimeProvider? timeProvider = null)
    {
        var options = new IterationStreamingRedisOptions
        {
            Configuration = server.Configuration,
            KeyPrefix = prefix ?? NewPrefix(),
            InstanceName = "test-" + Guid.NewGuid().ToString("N")[..12],
            ReconnectDelay = TimeSpan.FromMilliseconds(20),
        };
        configure?.Invoke(options);
        return new RedisLogHarness(options, coreOptions ?? new IterationStreamingOptions(), timeProvider ?? TimeProvider.System);
    }

    public async ValueTask DisposeAsync()
    {
        await Keeper.DisposeAsync();
        await Appender.DisposeAsync();
        await Tail.DisposeAsync();
        await Connection.DisposeAsync();
    }
}
