using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Iteration.Streaming.Client.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Testing;

namespace Iteration.Streaming.Client.Tests.Watching;

/// <summary>
/// Cancelling a watch stops it at once, whatever it is waiting for, and leaves nothing open on the server: no SSE
/// stream (the host's <c>iteration.streaming.streams.active</c>) and no connection (Kestrel's
/// <c>kestrel.active_connections</c>). Heartbeat and retry are a minute long, so nothing else ends the wait.
/// </summary>
public sealed class WatchCancellationTests : IAsyncLifetime
{
    private static readonly TimeSpan Quickly = TimeSpan.FromSeconds(5);
    private readonly StreamFaults _faults = new();
    private KestrelTestHost _host = null!;
    private MetricCollector<long> _streams = null!;
    private MetricCollector<long> _connections = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(
            o =>
            {
                o.HeartbeatInterval = TimeSpan.FromMinutes(1);
                o.RetryInterval = TimeSpan.FromMinutes(1);
            },
            configureApp: _faults.MapWithFaults);
        var meters = _host.Services.GetRequiredService<IMeterFactory>();
        _streams = new MetricCollector<long>(meters, "Iteration.Streaming", "iteration.streaming.streams.active");
        _connections = new MetricCollector<long>(meters, "Microsoft.AspNetCore.Server.Kestrel", "kestrel.active_connections");
    }

    public async Task DisposeAsync()
    {
        _streams.Dispose();
        _connections.Dispose();
        await _host.DisposeAsync();
    }

    private async Task<(string Id, string Token)> RunningLogAsync()
    {
        var (id, token) = await _host.CreateGenerationLogAsync();
        await _host.EventLog.AppendAsync(TestEvents.Progress(id, 0));
        return (id, token);
    }

    /// <summary>Waits until the stream and its connection have each opened and closed once, then checks nothing is open.</summary>
    private async Task ShouldHaveReleasedEverythingAsync()
    {
        await _streams.WaitForMeasurementsAsync(2).WithPatience();
        await _connections.WaitForMeasurementsAsync(2).WithPatience();
        _streams.GetMeasurementSnapshot().Sum(m => m.Value).Should().Be(0, "no SSE stream may stay open on the server");
        _connections.GetMeasurementSnapshot().Sum(m => m.Value).Should().Be(0, "no connection may stay open on the server");
    }

    [Fact]
    public async Task WatchAsync_CancelledWhileWaitingForAnEvent_StopsQuicklyAndReleasesStreamAndConnection()
    {
        var (id, token) = await RunningLogAsync();
        using var cts = new CancellationTokenSource();
        var events = _host.CreateIterationClient().WatchAsync(id, token, cancellationToken: cts.Token).GetAsyncEnumerator();
        (await events.MoveNextAsync().WithPatience()).Should().BeTrue();
        var next = events.MoveNextAsync().AsTask();

        var watch = Stopwatch.StartNew();
        await cts.CancelAsync();
        var act = () => next.WithPatience();

        await act.Should().ThrowAsync<OperationCanceledException>();
        watch.Elapsed.Should().BeLessThan(Quickly);
        await events.DisposeAsync();
        await ShouldHaveReleasedEverythingAsync();
    }

    [Fact]
    public async Task WatchAsync_CancelledThroughTheEnumeratorToken_StopsQuicklyAndReleasesStreamAndConnection()
    {
        var (id, token) = await RunningLogAsync();
        using var cts = new CancellationTokenSource();
        var events = _host.CreateIterationClient().WatchAsync(id, token).GetAsyncEnumerator(cts.Token);
        (await events.MoveNextAsync().WithPatience()).Should().BeTrue();
        var next = events.MoveNextAsync().AsTask();

        await cts.CancelAsync();
        var act = () => next.WithPatience();

        await act.Should().ThrowAsync<OperationCanceledException>();
        await events.DisposeAsync();
        await ShouldHaveReleasedEverythingAsync();
    }

    [Fact]
    public async Task WatchAsync_LeftEarlyByTheConsumer_ReleasesStreamAndConnection()
    {
        var (id, token) = await RunningLogAsync();

        await foreach (var _ in _host.CreateIterationClient().WatchAsync(id, token))
        {
            break;
        }

        await ShouldHaveReleasedEverythingAsync();
    }

    [Fact]
    public async Task WatchAsync_AlreadyCancelled_ThrowsWithoutSendingARequest()
    {
        var (id, token) = await RunningLogAsync();
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        var act = () => _host.CreateIterationClient().WatchAsync(id, token, cancellationToken: cts.Token).CollectAsync();

        await act.Should().ThrowAsync<OperationCanceledException>();
        _faults.StreamRequests.Should().Be(0);
    }

    [Fact]
    public async Task WatchAsync_CancelledDuringTheBackoffDelay_StopsQuickly()
    {
        var reconnecting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var logger = new FakeLogger<IterationClient>(FakeLogCollector.Create(new FakeLogCollectorOptions
        {
            OutputSink = line =>
            {
                if (line.Contains("reconnecting in", StringComparison.Ordinal))
                {
                    reconnecting.TrySetResult();
                }
            },
        }));
        using var http = new HttpClient { BaseAddress = ClosedPort() };
        var client = new IterationClient(http, new IterationClientOptions { InitialReconnectDelay = TimeSpan.FromHours(1), MaxReconnectDelay = TimeSpan.FromHours(2) }, logger: logger);
        using var cts = new CancellationTokenSource();
        var watching = client.WatchAsync(TestEvents.NewId(), "token", cancellationToken: cts.Token).CollectAsync();
        await reconnecting.Task.WithPatience();

        var watch = Stopwatch.StartNew();
        await cts.CancelAsync();
        var act = () => watching;

        await act.Should().ThrowAsync<OperationCanceledException>();
        watch.Elapsed.Should().BeLessThan(Quickly);
    }

    /// <summary>An address where nothing listens.</summary>
    internal static Uri ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}/");
    }
}
