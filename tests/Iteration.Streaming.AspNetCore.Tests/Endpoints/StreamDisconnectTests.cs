using Iteration.Streaming.AspNetCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using System.Diagnostics.Metrics;

namespace Iteration.Streaming.AspNetCore.Tests.Endpoints;

public sealed class StreamDisconnectTests : IAsyncLifetime
{
    private KestrelTestHost _host = null!;
    private MetricCollector<long> _activeStreams = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync();
        _activeStreams = new MetricCollector<long>(
            _host.Services.GetRequiredService<IMeterFactory>(), StreamMetrics.MeterName, StreamMetrics.ActiveStreamsName);
    }

    public async Task DisposeAsync()
    {
        _activeStreams.Dispose();
        await _host.DisposeAsync();
    }

    private long OpenStreams => _activeStreams.GetMeasurementSnapshot().Sum(m => m.Value);

    [Fact]
    public async Task ClientDisconnectWhileIdle_ReleasesTheStream()
    {
        var (id, token) = await _host.CreateGenerationLogAsync();
        await _host.EventLog.AppendAsync(TestEvents.Progress(id, 0));
        var response = await _host.CreateClient().GetStreamAsync(id, token);
        await using (var events = response.ReadEventsAsync().GetAsyncEnumerator())
        {
            (await events.MoveNextAsync().AsTask().WithPatience()).Should().BeTrue();
            OpenStreams.Should().Be(1);
        }

        response.Dispose();
        await _activeStreams.WaitForMeasurementsAsync(2).WithPatience();

        OpenStreams.Should().Be(0);
    }

    [Fact]
    public async Task ClientDisconnect_DoesNotAffectTheRunOrOtherReaders()
    {
        var (id, token) = await _host.CreateGenerationLogAsync();
        var client = _host.CreateClient();
        var leaving = await client.GetStreamAsync(id, token);
        using var staying = await client.GetStreamAsync(id, token);
        var stayingEvents = staying.ReadAllEventsAsync();
        await _activeStreams.WaitForMeasurementsAsync(2).WithPatience();

        leaving.Dispose();
        await _activeStreams.WaitForMeasurementsAsync(3).WithPatience();
        for (var i = 0; i < 5; i++)
        {
            await _host.EventLog.AppendAsync(TestEvents.Progress(id, i));
        }

        await _host.EndGenerationAsync(TestEvents.Completed(id) with { Timestamp = _host.Now });

        (await stayingEvents.WithPatience()).Should().HaveCount(6);
        (await _host.EventLog.GetLatestAsync(id))!.IsTerminal.Should().BeTrue();
    }

    [Fact]
    public async Task ClientDisconnectMidBurst_ReleasesTheStream()
    {
        var (id, token) = await _host.CreateGenerationLogAsync();
        for (var i = 0; i < 20_000; i++)
        {
            await _host.EventLog.AppendAsync(TestEvents.Progress(id, i));
        }

        var response = await _host.CreateClient().GetStreamAsync(id, token);
        var body = await response.Content.ReadAsStreamAsync();
        await body.ReadExactlyAsync(new byte[1024]).AsTask().WithPatience();

        response.Dispose();
        await _activeStreams.WaitForMeasurementsAsync(2).WithPatience();

        OpenStreams.Should().Be(0);
    }

    [Fact]
    public async Task StreamEnd_IsLoggedWithItsReason()
    {
        var (id, token) = await _host.CreateGenerationLogAsync();
        await _host.EndGenerationAsync(TestEvents.Completed(id) with { Timestamp = _host.Now });

        using var response = await _host.CreateClient().GetStreamAsync(id, token, tokenInQuery: true);
        await response.ReadAllEventsAsync().WithPatience();
        await _activeStreams.WaitForMeasurementsAsync(2).WithPatience();

        _host.Logs.GetSnapshot().Should().Contain(r => r.Message.Contains("terminal event written", StringComparison.Ordinal));
    }
}
