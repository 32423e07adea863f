using Iteration.Streaming.Generation;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.StackExchangeRedis.Connections;
using Iteration.Streaming.StackExchangeRedis.Hosting;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Iteration.Streaming.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Multiplex;

/// <summary>
/// Instances of one Redis-backed deployment for the multiplexed-stream tests, as <see cref="ScaleOutCluster"/> makes them,
/// plus what those tests need on every instance: an owner resolver reading <see cref="OwnerBudgetRace.UserHeader"/> (no
/// header, no owner) and options set after every other configuration (the sample's appsettings.json, which this test
/// project carries, sets budgets and limits of its own). Leases are short, so a killed owner's runs are taken over in
/// about a second.
/// </summary>
public sealed class MultiplexCluster : IAsyncDisposable
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(1);
    private readonly RedisServerFixture _server;
    private readonly Action<IterationStreamingOptions>? _options;
    private readonly Action<string>? _logLines;
    private readonly List<KestrelTestHost> _hosts = [];

    private MultiplexCluster(RedisServerFixture server, Action<IterationStreamingOptions>? options, Action<string>? logLines)
    {
        _server = server;
        _options = options;
        _logLines = logLines;
        DataFolder = Path.Combine(Path.GetTempPath(), "iteration-streaming-multiplex-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(DataFolder);
    }

    public KestrelTestHost A { get; private set; } = null!;

    public KestrelTestHost B { get; private set; } = null!;

    public string Prefix { get; } = RedisLogHarness.NewPrefix();

    public string DataFolder { get; }

    /// <summary>
    /// Starts A and B with the given generators (instant by default); <paramref name="options"/> runs last on each, and
    /// <paramref name="logLines"/> gets every log line of every instance as it is written (to await a logged event).
    /// </summary>
    public static async Task<MultiplexCluster> StartAsync(
        RedisServerFixture server,
        IPhaseGenerator? generatorA = null,
        IPhaseGenerator? generatorB = null,
        Action<IterationStreamingOptions>? options = null,
        Action<string>? logLines = null)
    {
        var cluster = new MultiplexCluster(server, options, logLines);
        try
        {
            cluster.A = await cluster.StartInstanceAsync("A", generatorA);
            cluster.B = await cluster.StartInstanceAsync("B", generatorB);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts one more instance of the deployment.</summary>
    public async Task<KestrelTestHost> StartInstanceAsync(string name, IPhaseGenerator? generator = null)
    {
        var host = await KestrelTestHost.StartAsync(
            configureServices: builder => builder.Services.AddIterationStreaming().AddStackExchangeRedis(_server.QuickReconnectConfiguration, o =>
            {
                o.KeyPrefix = Prefix;
                o.InstanceName = $"{name}-{Guid.NewGuid().ToString("N")[..8]}";
                o.ReconnectDelay = TimeSpan.FromMilliseconds(20);
                o.LeaseDuration = Lease;
                o.LeaseRenewalInterval = TimeSpan.FromMilliseconds(100);
            }),
            generator: generator,
            fileSinkRoot: DataFolder,
            configureStreaming: streaming =>
            {
                streaming.AddGenerationOwnerResolver(c => ValueTask.FromResult(c.Request.Headers[OwnerBudgetRace.UserHeader].ToString() is { Length: > 0 } user ? user : null));
                streaming.Services.PostConfigure<IterationStreamingOptions>(o =>
                {
                    o.MaxConcurrentGenerations = 100;
                    o.Budgets.MaxPerGeneration = null;
                    o.Budgets.OwnerTokensPerDay = null;
                    o.Budgets.OwnerConcurrentGenerations = null;
                    _options?.Invoke(o);
                });
                streaming.Services.PostConfigure<FakeLogCollectorOptions>(o => o.OutputSink = _logLines);
            });
        lock (_hosts)
        {
            _hosts.Add(host);
        }

        return host;
    }

    /// <summary>Kills <paramref name="host"/> as <see cref="ScaleOutCluster.CrashAsync"/> does: Redis cut first, then the host gone.</summary>
    public async Task CrashAsync(KestrelTestHost host)
    {
        lock (_hosts)
        {
            _hosts.Remove(host);
        }

        host.Services.GetRequiredService<RedisConnection>().Sever();
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
