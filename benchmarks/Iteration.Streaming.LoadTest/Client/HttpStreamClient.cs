using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Iteration.Streaming.LoadTest.Server;

namespace Iteration.Streaming.LoadTest.Client;

/// <summary>
/// Holds a scenario run's streams through one <see cref="HttpClient"/>: over h2c, streams share connections (as many as
/// the server allows on one, then another: <see cref="SocketsHttpHandler.EnableMultipleHttp2Connections"/>); over HTTP/1.1,
/// one connection each. Counts the connections it opens.
/// </summary>
internal sealed class HttpStreamClient : IStreamClient
{
    private readonly ServerProcess _server;
    private readonly ScenarioMetrics _metrics;
    private readonly HttpClient _http;
    private readonly Uri _baseAddress;
    private readonly Version _version;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<HttpStream> _streams = [];
    private int _connections;
    private string? _system;

    public HttpStreamClient(ServerProcess server, ScenarioMetrics metrics, bool http2)
    {
        _server = server;
        _metrics = metrics;
        _baseAddress = http2
            ? server.Http2Address ?? throw new InvalidOperationException("The server has no h2c endpoint.")
            : server.BaseAddress;
        _version = http2 ? HttpVersion.Version20 : HttpVersion.Version11;
        _http = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            ConnectCallback = ConnectAsync,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public int Count => _streams.Count;

    public int ConnectionCount => Volatile.Read(ref _connections);

    public async Task<TimeSpan> OpenAsync(string system, IReadOnlyList<CreatedGeneration> targets, TimeSpan? timeout = null)
    {
        _system = system;
        var started = Stopwatch.GetTimestamp();
        var first = _streams.Count;
        for (var i = 0; i < targets.Count; i++)
        {
            _streams.Add(new HttpStream(_metrics));
        }

        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(90));
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, _stop.Token);
        try
        {
            await Parallel.ForAsync(0, targets.Count, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = linked.Token }, async (i, ct) =>
            {
                var stream = _streams[first + i];
                stream.Start(_http, new Uri(_baseAddress, PathOf(system, targets[i])), _version, _stop.Token);

                // TypedResults sends its headers with the first event: the server's subscriber count tells when it is ready.
                if (system != Systems.Typed)
                {
                    await stream.Opened.WaitAsync(ct);
                }
            });
        }
        catch (OperationCanceledException)
        {
            _metrics.Error($"Opening {targets.Count:N0} {system} streams took longer than the time allowed.");
        }

        await _server.WaitForSubscribersAsync(system, () => _streams.Count - _metrics.Errors, deadline.Token);

        return Stopwatch.GetElapsedTime(started);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var stream in _streams)
        {
            if (stream.Receiving is { } receiving)
            {
                await receiving;
            }
        }

        _http.Dispose();
        _stop.Dispose();
        if (_system is not null)
        {
            var deadline = Stopwatch.GetTimestamp() + (30 * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() < deadline && (await _server.StatsAsync(_system)).Subscribers > 0)
            {
                await Task.Delay(50);
            }
        }
    }

    private static string PathOf(string system, CreatedGeneration target) => system == Systems.Ours
        ? $"/generations/{target.Id}/stream?token={target.Token}"
        : $"/{system}/{target.Id}/stream";

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, context.DnsEndPoint.Port), cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        Interlocked.Increment(ref _connections);
        return new NetworkStream(socket, ownsSocket: true);
    }
}
