using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Iteration.Streaming.LoadTest.Server;

namespace Iteration.Streaming.LoadTest.Client;

/// <summary>
/// Holds the connections of one scenario run against one system: opens them (bounded parallelism, spread over 127.0.0.x
/// source addresses), waits until the server has every subscriber, and closes them all on dispose.
/// </summary>
internal sealed class LoadClient : IStreamClient
{
    private const int ConnectionsPerSourceAddress = 2_000;
    private readonly ServerProcess _server;
    private readonly CancellationTokenSource _stop = new();

    private string? _system;

    public LoadClient(ServerProcess server, ScenarioMetrics metrics)
    {
        _server = server;
        Metrics = metrics;
    }

    public ScenarioMetrics Metrics { get; }

    public List<StreamConnection> Connections { get; } = [];

    public int Count => Connections.Count;

    public int ConnectionCount => Connections.Count;

    Task<TimeSpan> IStreamClient.OpenAsync(string system, IReadOnlyList<CreatedGeneration> targets, TimeSpan? timeout) =>
        OpenAsync(system, targets, timeout: timeout);

    /// <summary>Opens one stream per target; returns how long opening took.</summary>
    public async Task<TimeSpan> OpenAsync(
        string system,
        IReadOnlyList<CreatedGeneration> targets,
        Func<int, bool>? slow = null,
        long lastEventId = 0,
        TimeSpan? timeout = null,
        Func<int, DeliveryLedger>? ledgerOf = null)
    {
        _system = system;
        var started = Stopwatch.GetTimestamp();
        var receiveBuffer = targets.Count <= 2_000 ? 64 * 1024 : 4 * 1024;
        var kind = system == Systems.SignalR ? StreamKind.SignalR : StreamKind.Sse;
        var first = Connections.Count;
        for (var i = 0; i < targets.Count; i++)
        {
            var index = first + i;
            var source = new IPAddress(new byte[] { 127, 0, 0, (byte)(2 + (index / ConnectionsPerSourceAddress)) });
            Connections.Add(new StreamConnection(Metrics, kind, source, _server.EndPoint, slow?.Invoke(i) ?? false, receiveBuffer, ledgerOf?.Invoke(i)));
        }

        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(90));
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, _stop.Token);
        try
        {
            await OpenAllAsync(system, targets, lastEventId, first, linked.Token);
        }
        catch (OperationCanceledException)
        {
            Metrics.Error($"Opening {targets.Count:N0} {system} streams took longer than the time allowed.");
        }

        // Every subscriber must be registered on the server before anything is published.
        await _server.WaitForSubscribersAsync(system, () => Connections.Count - Metrics.Errors, deadline.Token);

        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>
    /// Opens one multiplexed stream (<c>GET /generations/stream?token=</c>) per watch token, each with its ledger, and
    /// waits for their response headers; returns how long that took. The caller knows from the events when every member
    /// is subscribed (the server's stream counter counts single streams).
    /// </summary>
    public async Task<TimeSpan> OpenMultiplexedAsync(IReadOnlyList<string> watchTokens, Func<int, DeliveryLedger> ledgerOf, TimeSpan? timeout = null)
    {
        _system = Systems.Ours;
        var started = Stopwatch.GetTimestamp();
        var first = Connections.Count;
        for (var i = 0; i < watchTokens.Count; i++)
        {
            var source = new IPAddress(new byte[] { 127, 0, 0, (byte)(2 + ((first + i) / ConnectionsPerSourceAddress)) });
            Connections.Add(new StreamConnection(Metrics, StreamKind.Sse, source, _server.EndPoint, slow: false, 64 * 1024, ledgerOf(i), opaqueIds: true));
        }

        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(90));
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, _stop.Token);
        try
        {
            await Parallel.ForAsync(0, watchTokens.Count, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = linked.Token }, async (i, ct) =>
            {
                var connection = Connections[first + i];
                try
                {
                    await connection.ConnectAsync($"/generations/stream?token={Uri.EscapeDataString(watchTokens[i])}", _stop.Token);
                    await connection.Opened.WaitAsync(ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Metrics.Error($"Opening a multiplexed stream failed: {ex.GetType().Name}: {ex.Message}");
                }
            });
        }
        catch (OperationCanceledException)
        {
            Metrics.Error($"Opening {watchTokens.Count:N0} multiplexed streams took longer than the time allowed.");
        }

        return Stopwatch.GetElapsedTime(started);
    }

    private async Task OpenAllAsync(string system, IReadOnlyList<CreatedGeneration> targets, long lastEventId, int first, CancellationToken cancellationToken)
    {
        await Parallel.ForAsync(0, targets.Count, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var connection = Connections[first + i];
            var target = targets[i];
            try
            {
                switch (system)
                {
                    case Systems.SignalR:
                        await OpenSignalRAsync(connection, target.Id, ct);
                        break;
                    case Systems.Ours:
                        var resume = lastEventId > 0 ? "&lastEventId=" + lastEventId.ToString(CultureInfo.InvariantCulture) : string.Empty;
                        await connection.ConnectAsync($"/generations/{target.Id}/stream?token={target.Token}{resume}", _stop.Token);
                        await connection.Opened.WaitAsync(ct);
                        break;
                    case Systems.Naive:
                    case Systems.Floor:
                        await connection.ConnectAsync($"/{system}/{target.Id}/stream", _stop.Token);
                        await connection.Opened.WaitAsync(ct);
                        break;
                    default:
                        // TypedResults sends its headers with the first event: the server's subscriber count tells when it is ready.
                        await connection.ConnectAsync($"/{system}/{target.Id}/stream", _stop.Token);
                        break;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Metrics.Error($"Opening a {system} stream failed: {ex.GetType().Name}: {ex.Message}");
            }
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var connection in Connections)
        {
            connection.Dispose();
        }

        foreach (var connection in Connections)
        {
            if (connection.Receiving is { } receiving)
            {
                try
                {
                    await receiving;
                }
                catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
                {
                }
            }
        }

        _stop.Dispose();

        // The next run starts from a clean server: every stream of this one has ended there.
        if (_system is not null)
        {
            var deadline = Stopwatch.GetTimestamp() + (30 * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() < deadline && (await _server.StatsAsync(_system)).Subscribers > 0)
            {
                await Task.Delay(50);
            }
        }
    }

    private async Task OpenSignalRAsync(StreamConnection connection, string generationId, CancellationToken cancellationToken)
    {
        using var negotiate = await _server.Http.PostAsync("hubs/watch/negotiate?negotiateVersion=1", null, cancellationToken);
        negotiate.EnsureSuccessStatusCode();
        var body = await negotiate.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        var token = Uri.EscapeDataString(body.GetProperty("connectionToken").GetString()!);

        await connection.ConnectAsync($"/hubs/watch?id={token}", _stop.Token);
        await connection.Opened.WaitAsync(cancellationToken);

        // The handshake, then one streaming invocation of Watch(generationId).
        var messages = "{\"protocol\":\"json\",\"version\":1}\u001e"
            + "{\"type\":4,\"invocationId\":\"1\",\"target\":\"Watch\",\"arguments\":[\"" + generationId + "\"]}\u001e";
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(messages));
        using var send = await _server.Http.PostAsync($"hubs/watch?id={token}", content, cancellationToken);
        send.EnsureSuccessStatusCode();
        await connection.HandshakeDone.Task.WaitAsync(cancellationToken);
    }
}
