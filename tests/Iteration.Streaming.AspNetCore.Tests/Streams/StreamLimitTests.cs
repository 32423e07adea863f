using System.Net;
using Iteration.Streaming.AspNetCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using System.Diagnostics.Metrics;

namespace Iteration.Streaming.AspNetCore.Tests.Streams;

/// <summary>One generation may hold at most <c>MaxStreamsPerGeneration</c> streams on an instance; beyond them 429 with Retry-After.</summary>
public sealed class StreamLimitTests : IAsyncLifetime
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

    private async Task<(string Id, string Token)> LiveGenerationAsync()
    {
        var generation = await _host.CreateGenerationLogAsync();
        await _host.EventLog.AppendAsync(TestEvents.Progress(generation.Id, 0));
        return generation;
    }

    private static void DisposeAll(IEnumerable<HttpResponseMessage> responses)
    {
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task FortyStreamsOnOneGeneration_ThirtyTwoOpenEightGet429_AndAClosedOneFreesItsSlot()
    {
        var (id, token) = await LiveGenerationAsync();
        var client = _host.CreateClient();

        var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => client.GetStreamAsync(id, token))).WithPatience();
        var open = responses.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
        var refused = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();

        open.Should().HaveCount(32);
        refused.Should().HaveCount(8);
        foreach (var response in refused)
        {
            (await response.ShouldBeProblemAsync(HttpStatusCode.TooManyRequests)).Should().Contain("MaxStreamsPerGeneration");
            response.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(2), "the RetryInterval, rounded up to seconds");
        }

        await _activeStreams.WaitForMeasurementsAsync(32).WithPatience();
        open[0].Dispose();
        await _activeStreams.WaitForMeasurementsAsync(33).WithPatience();
        using var again = await client.GetStreamAsync(id, token);

        again.StatusCode.Should().Be(HttpStatusCode.OK);
        using var oneTooMany = await client.GetStreamAsync(id, token);
        oneTooMany.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        DisposeAll(responses);
    }

    [Fact]
    public async Task SmallLimit_OtherGenerationsKeepTheirOwnSlots()
    {
        await using var host = await KestrelTestHost.StartAsync(o => o.MaxStreamsPerGeneration = 2);
        var client = host.CreateClient();
        var first = await host.CreateGenerationLogAsync();
        var second = await host.CreateGenerationLogAsync();

        var onFirst = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => client.GetStreamAsync(first.Id, first.Token))).WithPatience();
        using var onSecond = await client.GetStreamAsync(second.Id, second.Token);

        onFirst.Count(r => r.StatusCode == HttpStatusCode.OK).Should().Be(2);
        onFirst.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests).Should().Be(1);
        onSecond.StatusCode.Should().Be(HttpStatusCode.OK);
        DisposeAll(onFirst);
    }

    [Fact]
    public async Task StreamsThatEndAtTheTerminalEvent_FreeTheirSlots()
    {
        await using var host = await KestrelTestHost.StartAsync(o => o.MaxStreamsPerGeneration = 2);
        using var collector = new MetricCollector<long>(host.Services.GetRequiredService<IMeterFactory>(), StreamMetrics.MeterName, StreamMetrics.ActiveStreamsName);
        var client = host.CreateClient();
        var (id, token) = await host.CreateGenerationLogAsync();
        var streams = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => client.GetStreamAsync(id, token))).WithPatience();
        var reading = streams.Select(s => s.ReadAllEventsAsync()).ToList();

        await host.EndGenerationAsync(TestEvents.Completed(id) with { Timestamp = host.Now });
        await Task.WhenAll(reading).WithPatience();
        await collector.WaitForMeasurementsAsync(4).WithPatience();
        var replays = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => client.GetStreamAsync(id, token))).WithPatience();

        replays.Should().OnlyContain(r => r.StatusCode == HttpStatusCode.OK);
        DisposeAll(streams.Concat(replays));
    }

    [Fact]
    public async Task RefusedAndAlreadyCompleteRequests_HoldNoSlot()
    {
        await using var host = await KestrelTestHost.StartAsync(o => o.MaxStreamsPerGeneration = 1);
        var client = host.CreateClient();
        var finished = await host.CreateGenerationLogAsync();
        var terminal = await host.EndGenerationAsync(TestEvents.Completed(finished.Id) with { Timestamp = host.Now });
        var live = await host.CreateGenerationLogAsync();
        var progress = await host.EventLog.AppendAsync(TestEvents.Progress(live.Id, 0));

        for (var i = 0; i < 5; i++)
        {
            using var done = await client.GetStreamAsync(finished.Id, finished.Token, lastEventId: terminal.Sequence);
            done.StatusCode.Should().Be(HttpStatusCode.NoContent);
            using var badResume = await client.GetStreamAsync(live.Id, live.Token, lastEventId: progress.Sequence + 10);
            badResume.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        }

        using var replay = await client.GetStreamAsync(finished.Id, finished.Token);
        using var stream = await client.GetStreamAsync(live.Id, live.Token);
        replay.StatusCode.Should().Be(HttpStatusCode.OK);
        stream.StatusCode.Should().Be(HttpStatusCode.OK);
    }
}
