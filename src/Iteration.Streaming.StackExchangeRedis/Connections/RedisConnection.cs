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
    private readonly List<ConnectionMultiplexer> _dedicated = [];
    private IConnectionMultiplexer? _multiplexer;
    private bool _ownsMultiplexer;
    private bool _disposed;
    private volatile bool _severed;

    public RedisConnection(IOptions<IterationStreamingRedisOptions> options, ILogger<RedisConnection>? logger = null)
    {
        _options = options.Value;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        if (_options.Connection is { } existing)
        {
            _multiplexer = existing;
            existing.ConnectionFailed += OnConnectionFailed;
            existing.ConnectionRestored += OnConnectionRestored;
        }
    }

    /// <summary>Raised when the shared connection is back after a failure: whoever waits for Redis can go on at once.</summary>
    public event Action? Restored;

    /// <summary>Raised when the shared connection fails.</summary>
    public event Action? Failed;

    public IterationStreamingRedisOptions Options => _options;

    /// <summary>The shared multiplexer once connected, else <see langword="null"/>.</summary>
    public IConnectionMultiplexer? Multiplexer => Volatile.Read(ref _multiplexer);

    /// <summary>Whether the shared connection is known to be down now (an outage); false before the first connect.</summary>
    public bool IsDown => _severed || Volatile.Read(ref _multiplexer) is { IsConnected: false };

    public async ValueTask<IDatabase> GetDatabaseAsync(CancellationToken cancellationToken)
    {
        ThrowIfSevered();
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
        ThrowIfSevered();
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
        var dedicated = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
        lock (_dedicated)
        {
            _dedicated.Add(dedicated);
        }

        return dedicated;
    }

    /// <summary>
    /// Cuts every connection of this instance at once and refuses new ones, as if the process had died: nothing this
    /// instance does reaches Redis any more. For tests that simulate a crash; there is no way back.
    /// </summary>
    internal void Sever()
    {
        _severed = true;
        ConnectionMultiplexer[] dedicated;
        lock (_dedicated)
        {
            dedicated = [.. _dedicated];
        }

        foreach (var connection in dedicated)
        {
            connection.Close(allowCommandsToComplete: false);
        }

        if (Volatile.Read(ref _multiplexer) is ConnectionMultiplexer shared)
        {
            shared.Close(allowCommandsToComplete: false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        DetachFromMultiplexer();
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
        DetachFromMultiplexer();
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

        // Replies are handed on through the .NET thread pool rather than the client's own pool of worker threads: with
        // an event read and written per reply, a second set of threads only adds hand-offs between them.
        configuration.SocketManager ??= SocketManager.ThreadPool;
        return configuration;
    }

    private void ThrowIfSevered()
    {
        if (_severed)
        {
            throw new RedisConnectionException(ConnectionFailureType.SocketClosed, "This instance's Redis connections were severed.");
        }
    }

    private void DetachFromMultiplexer()
    {
        if (_multiplexer is { } multiplexer)
        {
            multiplexer.ConnectionFailed -= OnConnectionFailed;
            multiplexer.ConnectionRestored -= OnConnectionRestored;
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        Log.ConnectionFailed(_logger, e.ConnectionType.ToString(), e.FailureType.ToString(), e.Exception);
        if (e.ConnectionType == ConnectionType.Interactive)
        {
            Failed?.Invoke();
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        Log.ConnectionRestored(_logger, e.ConnectionType.ToString());
        if (e.ConnectionType == ConnectionType.Interactive)
        {
            Restored?.Invoke();
        }
    }
}
