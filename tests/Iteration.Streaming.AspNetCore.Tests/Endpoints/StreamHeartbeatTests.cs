using System.Net.ServerSentEvents;

namespace Iteration.Streaming.AspNetCore.Tests.Endpoints;

public sealed class StreamHeartbeatTests : IAsyncLifetime
{
    private KestrelTestHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await KestrelTestHost.StartAsync(o =>
        {
            o.HeartbeatInterval = TimeSpan.FromMilliseconds(50);
            o.RetryInterval = TimeSpan.FromMilliseconds(1500);
        });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Stream_WhileIdle_WritesCommentHeartbeatsEachInterval()
    {
        var (id, token) = await _host.CreateGenerationLogAsync();
        using var response = await _host.CreateClient().GetStreamAsync(id, token);
        var body = await response.Content.ReadAsStreamAsync();

        var text = await body.ReadRawUntilAsync(t => CountOf(t, ": heartbeat\n\n") >= 3).WithPatience();

        text.Should().StartWith("retry: 1500\n\n: heartbeat\n\n");
    }

    [Fact]
    public async Task Stream_AfterHeartbeats_StillDeliversTheNextEvent()
    {
        var (id, token) = await _host.CreateGenerationLogAsync();
        using var response = await _host.CreateClient().GetStreamAsync(id, token);
        var body = await response.Content.ReadAsStreamAsync();
        await body.ReadRawUntilAsync(t => CountOf(t, ": heartbeat\n\n") >= 2).WithPatience();

        await _host.EventLog.AppendAsync(TestEvents.Progress(id, 0));

        (await body.ReadRawUntilAsync(t => t.Contains("id: 1\ndata: ", StringComparison.Ordinal)).WithPatience())
            .Should().Contain("id: 1\ndata: ");
    }

    [Fact]
    public async Task Stream_Heartbeats_AreInvisibleToAnSseParser()
    {
        var (id, token) = await _host.CreateGenerationLogAsync();
        using var response = await _host.CreateClient().GetStreamAsync(id, token);
        var body = await response.Content.ReadAsStreamAsync();
        await body.ReadRawUntilAsync(t => CountOf(t, ": heartbeat\n\n") >= 2).WithPatience();
        await using var events = SseParser.Create(body).EnumerateAsync().GetAsyncEnumerator();
        var next = events.MoveNextAsync().AsTask();

        await _host.EventLog.AppendAsync(TestEvents.Progress(id, 0));

        (await next.WithPatience()).Should().BeTrue();
        events.Current.EventId.Should().Be("1");
        events.Current.EventType.Should().Be("message");
    }

    [Fact]
    public async Task Stream_RetryLine_SetsTheParsersReconnectionInterval()
    {
        var (id, token) = await _host.CreateGenerationLogAsync();
        await _host.EndGenerationAsync(TestEvents.Completed(id) with { Timestamp = _host.Now });
        using var response = await _host.CreateClient().GetStreamAsync(id, token);
        var parser = SseParser.Create(await response.Content.ReadAsStreamAsync());

        await foreach (var _ in parser.EnumerateAsync())
        {
        }

        parser.ReconnectionInterval.Should().Be(TimeSpan.FromMilliseconds(1500));
        parser.LastEventId.Should().Be("1");
    }

    private static int CountOf(string text, string value)
    {
        var count = 0;
        for (var at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
