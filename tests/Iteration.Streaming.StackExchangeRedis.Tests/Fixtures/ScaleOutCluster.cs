using Iteration.Streaming.Generation;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.StackExchangeRedis.Connections;
using Iteration.Streaming.StackExchangeRedis.Hosting;
using Iteration.Streaming.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;

/// <summary>
/// Two real Kestrel hosts, A and B ("app instances"), in Redis mode on one redis-server (under a key prefix that isolates
/// the test), sharing one signing key and one file-system sink folder, as a scaled-out deployment does.
/// </summary>
public sealed class ScaleOutCluster : IAsyncDisposable
{
    private readonly RedisServerFixture _server;
    private readonly Action<IterationStreamingRedisOptions>? _configureRedis;
    private readonly Action<IterationStreamingOptions>? _configureOptions;
    private readonly Action<IIterationStreamingBuilder>? _configureStreaming;
    private readonly List<KestrelTestHost> _hosts = [];

    private ScaleOutCluster(
        RedisServerFixture server, Action<IterationStreamingRedisOptions>? configureRedis, Action<IterationStreamingOptions>? configureOptions, Action<IIterationStreamingBuilder>? configureStreaming)
    {
        _server = server;
        _configureRedis = configureRedis;
        _configureOptions = configureOptions;
        _configureStreaming = configureStreaming;
        Prefix = RedisLogHarness.NewPrefix();
        DataFolder = Path.Combine(Path.GetTempPath(), "iteration-streaming-scaleout-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(DataFolder);
    }

    public KestrelTestHost A { get; private set; } = null!;

    public KestrelTestHost B { get; private set; } = null!;

    public string Prefix { get; }

    /// <summary>The file-system sink's folder, shared by every instance.</summary>
    public string DataFolder { get; }

    /// <summary>
    /// Starts A and B, with the given generators (an <see cref="InstantPhaseGenerator"/> each by default);
    /// <paramref name="configureStreaming"/> runs on every instance (also those started later), before
    /// <paramref name="configureStreamingA"/> on A.
    /// </summary>
    public static async Task<ScaleOutCluster> StartAsync(
        RedisServerFixture server,
        IPhaseGenerator? generatorA = null,
        IPhaseGenerator? generatorB = null,
        Action<IterationStreamingRedisOptions>? configureRedis = null,
        Action<IterationStreamingOptions>? configureOptions = null,
        Action<IIterationStreamingBuilder>? configureStreamingA = null,
        Action<IIterationStreamingBuilder>? configureStreaming = null)
    {
        var cluster = new ScaleOutCluster(server, configureRedis, configureOptions, configureStreaming);
        try
        {
            cluster.A = await cluster.StartInstanceAsync("A", generatorA, configureStreamingA);
            cluster.B = await cluster.StartInstanceAsync("B", generatorB);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts one more instance of the deployment (<paramref name="configureStreaming"/> may replace its sink, say).</summary>
    public async Task<KestrelTestHost> StartInstanceAsync(string name, IPhaseGenerator? generator = null, Action<IIterationStreamingBuilder>? configureStreaming = null)
    {
        var host = await KestrelTestHost.StartAsync(
            configureOptions: o =>
            {
                o.MaxConcurrentGenerations = 50;
                _configureOptions?.Invoke(o);
            },
            configureServices: builder => builder.Services.AddIterationStreaming().AddStackExchangeRedis(_server.QuickReconnectConfiguration, o =>
            {
                o.KeyPrefix = Prefix;
                o.InstanceName = $"{name}-{Guid.NewGuid().ToString("N")[..8]}";
                o.ReconnectDelay = TimeSpan.FromMilliseconds(20);
                _configureRedis?.Invoke(o);
            }),
            generator: generator,
            fileSinkRoot: DataFolder,
            configureStreaming: streaming =>
            {
                _configureStreaming?.Invoke(streaming);
                configureStreaming?.Invoke(streaming);
            });
        lock (_hosts)
        {
            _hosts.Add(host);
        }

        return host;
    }

    /// <summary>
    /// Simulates <paramref name="host"/> crashing: its Redis connections are cut first, so nothing it does from then on
    /// (renewing leases, the shutdown's cancelled events) reaches Redis; then the host goes away.
    /// </summary>
    public async Task CrashAsync(KestrelTestHost host)
    {
        lock (_hosts)
        {
            _hosts.Remove(host);
        }

        host.Services.GetRequiredService<RedisConnection>().Sever();
        await host.DisposeAsync();
    }

    /// <summary>Stops <paramref name="host"/> gracefully (as SIGTERM does): it hands its runs over and ends its streams.</summary>
    public async Task StopGracefullyAsync(KestrelTestHost host)
    {
        lock (_hosts)
        {
            _hosts.Remove(host);
        }

        await host.StopAsync();
        await host.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        KestrelTestHost[] hosts;
        lock (_hosts)
        {
            hosts = [.. _hosts];
        }

        foreach (var host in hosts)
        {
            await host.DisposeAsync();
        }

        if (Directory.Exists(DataFolder))
        {
            Directory.Delete(DataFolder, recursive: true);
        }
    }
}
