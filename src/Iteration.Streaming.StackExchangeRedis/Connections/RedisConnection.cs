using Iteration.Streaming.StackExchangeRedis.Diagnostics;
using Iteration.Streaming.StackExchangeRedis.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Iteration.Streaming.StackExchangeRedis.Connections;

/// <summary>
/// The instance's connections to Redis: one shared multiplexer for every ordinary command (owned here, or the one the
/// host passed in), plus dedicated connections on demand for blocking reads, which must never share the multiplexer.
/// </summary>
internal sealed class RedisConnection : IAsyncDisposable, IDisposable
{
    private readonly IterationStreamingRedisOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _connectGate = new(1, 1);
    private IConnectionMultiplexer? _multiplexer;
    private bool _ownsMultiplexer;
    private bool _disposed;

    public RedisConnection(IOptions<IterationStreamingRedisOptions> options, ILogger<RedisConnection>? logger = null)
    {
        _options = options.Value;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        if (_options.Connection is { } existing)
        {
            _multiplexer = existing;
        }
    }

    public IterationStreamingRedisOptions Options => _options;

    /// <summary>The shared multiplexer once connected, else <see langword="null"/>.</summary>
    public IConnectionMultiplexer? Multiplexer => Volatile.Read(ref _multiplexer);

    public async ValueTask<IDatabase> GetDatabaseAsync(CancellationToken cancellationToken)
    {
        var multiplexer = Volatile.Read(ref _multiplexer) ?? await ConnectAsync(cancellationToken).ConfigureAwait(false);
        return multiplexer.GetDatabase();
    }

    /// <summary>
    /// Opens a connection of its own for blocking commands, with a command timeout longer than
    /// <paramref name="blockTimeout"/> so a blocked read is not mistaken for a dead connection. Not cancellable (it ends
    /// within the connect timeout); the caller disposes what it returns.
    /// </summary>
    public async Task<ConnectionMultiplexer> ConnectDedicatedAsync(string role, TimeSpan blockTimeout)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var configuration = CreateConfiguration();
        configuration.ClientName = $"{_options.InstanceName}-{role}";
        var timeout = (int)Math.Min(int.MaxValue, (blockTimeout + TimeSpan.FromSeconds(5) + blockTimeout).TotalMilliseconds);
        configuration.AsyncTimeout = timeout;
        configuration.SyncTimeout = timeout;
        configuration.Protocol = RedisProtocol.Resp2;

        // A reader connection needs no pub/sub: without SUBSCRIBE the multiplexer opens no second (subscriber) socket.
        configuration.ConfigurationChannel = string.Empty;
        if (ReferenceEquals(configuration.CommandMap, CommandMap.Default))
        {
            configuration.CommandMap = CommandMap.Create(["SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE"], available: false);
        }
        return await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_ownsMultiplexer && _multiplexer is { } multiplexer)
        {
            await multiplexer.CloseAsync(allowCommandsToComplete: false).ConfigureAwait(false);
            multiplexer.Dispose();
        }

        _connectGate.Dispose();
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_ownsMultiplexer)
        {
            _multiplexer?.Dispose();
        }

        _connectGate.Dispose();
    }

    private async Task<IConnectionMultiplexer> ConnectAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _connectGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_multiplexer is { } connected)
            {
                return connected;
            }

            var configuration = CreateConfiguration();
            configuration.ClientName ??= _options.InstanceName;
            // Not abandoned on cancellation: the connect ends within its timeout, and an abandoned one would leak its sockets.
            var multiplexer = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
            multiplexer.ConnectionFailed += OnConnectionFailed;
            multiplexer.ConnectionRestored += OnConnectionRestored;
            _ownsMultiplexer = true;
            Volatile.Write(ref _multiplexer, multiplexer);
            Log.Connected(_logger, _options.InstanceName);
            return multiplexer;
        }
        finally
        {
            _connectGate.Release();
        }
    }

    private ConfigurationOptions CreateConfiguration()
    {
        var text = _options.Connection?.Configuration ?? _options.Configuration
            ?? throw new InvalidOperationException("IterationStreaming:Redis:Configuration is not set; pass a configuration string or a connection to AddStackExchangeRedis.");
        var configuration = ConfigurationOptions.Parse(text);
        if (!text.Contains("abortConnect", StringComparison.OrdinalIgnoreCase))
        {
            // Start even while Redis is down and keep retrying; commands fail (and the health check reports it) meanwhile.
            configuration.AbortOnConnectFail = false;
        }

        return configuration;
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e) =>
        Log.ConnectionFailed(_logger, e.ConnectionType.ToString(), e.FailureType.ToString(), e.Exception);

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e) =>
        Log.ConnectionRestored(_logger, e.ConnectionType.ToString());
}
