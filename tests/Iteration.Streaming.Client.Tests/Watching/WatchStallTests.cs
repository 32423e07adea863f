using Iteration.Streaming.Client.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.Client.Tests.Watching;

/// <summary>
/// A connection that stays open but delivers nothing (a dead proxy, a frozen server) is detected by
/// <see cref="IterationClientOptions.StallTimeout"/> and replaced. The server's heartbeat is far longer than the stall
/// timeout here, so nothing else keeps bytes flowing.
/// </summary>
public sealed class WatchStallTests : IAsyncLifetime
{
    private const int RetryLineBytes = 11; // "retry: 10\n\n"
    private static readonly TimeSpan StallTimeout = TimeSpan.FromMilliseconds(250);
    private readonly StreamFaults _faults = new();
    private readonly FakeLogger<IterationClient> _logger = new();
    private KestrelTestHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await KestrelTestHost.StartAsync(
            o =>
            {
                o.HeartbeatInterval = TimeSpan.FromHours(1);
                o.RetryInterval = TimeSpan.FromMilliseconds(10);
            },
            configureApp: _faults.MapWithFaults);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<(string Id, string Token)> LogWithEventsAsync(int progressEvents, bool terminal)
    {
        var (id, token) = await _host.CreateGenerationLogAsync();
        for (var i = 0; i < progressEvents; i++)
        {
            await _host.EventLog.AppendAsync(TestEvents.Progress(id, i));
        }

        if (terminal)
        {
            await _host.EndGenerationAsync(TestEvents.Completed(id) with { Timestamp = _host.Now });
        }

        return (id, token);
    }

    [Fact]
    public async Task WatchAsync_ConnectionFrozenMidFrame_IsDetectedAndResumedWithoutLossOrDuplicate()
    {
        var (id, token) = await LogWithEventsAsync(20, terminal: true);
        var frameBytes = (await _host.LoggedEntriesAsync(id))[0].Frame.Length;
        _faults.Plan = n => n == 1 ? new StreamFault.FreezeAfter(RetryLineBytes + (2 * frameBytes) + (frameBytes / 2)) : null;
        var client = _host.CreateIterationClient(TestClients.Patient(StallTimeout), logger: _logger);

        var received = await client.WatchAsync(id, token).CollectAsync();

        received.Select(e => e.ToWire()).Should().Equal(await _host.LoggedEventsAsync(id));
        _faults.Freezes.Should().Be(1);
        _faults.LastEventIds.Should().Equal(string.Empty, "2");
        _logger.Collector.GetSnapshot().Should().ContainSingle(r => r.Id.Id == 4001)
            .Which.Message.Should().Contain("no bytes arrived within the stall timeout");
        _logger.Collector.GetSnapshot().Should().NotContain(r => r.Message.Contains(token), "tokens are never logged");
    }

    [Fact]
    public async Task WatchAsync_SilentServer_ReconnectsAfterTheStallTimeoutAndGetsTheNextEvents()
    {
        var (id, token) = await LogWithEventsAsync(3, terminal: false);
        var client = _host.CreateIterationClient(TestClients.Patient(StallTimeout), logger: _logger);
        await using var events = client.WatchAsync(id, token).GetAsyncEnumerator();
        for (var i = 0; i < 3; i++)
        {
            (await events.MoveNextAsync().WithPatience()).Should().BeTrue();
        }

        var next = events.MoveNextAsync().AsTask();
        var requestsSoFar = _faults.StreamRequests;
        await _faults.WaitForStreamRequestAsync(requestsSoFar + 1);
        await _host.EndGenerationAsync(TestEvents.Completed(id) with { Timestamp = _host.Now });

        (await next.WithPatience()).Should().BeTrue();
        events.Current.IsTerminal.Should().BeTrue();
        _faults.LastEventIds.Skip(requestsSoFar).First().Should().Be("3");
        _logger.Collector.GetSnapshot().Should().Contain(r => r.Id.Id == 4001 && r.Message.Contains("stall timeout"));
    }

    [Fact]
    public async Task WatchAsync_ConsumerSlowerThanTheStallTimeout_IsNotAStall()
    {
        // The client's clock is fake: only the test moves it, and it moves it while the consumer holds an event.
        var time = new FakeTimeProvider(TestEvents.Epoch);
        var (id, token) = await LogWithEventsAsync(2, terminal: false);
        var client = _host.CreateIterationClient(TestClients.Patient(StallTimeout), time, _logger);
        await using var events = client.WatchAsync(id, token).GetAsyncEnumerator();
        (await events.MoveNextAsync().WithPatience()).Should().BeTrue();

        time.Advance(TimeSpan.FromHours(1));
        await _host.EndGenerationAsync(TestEvents.Completed(id) with { Timestamp = _host.Now });
        var rest = new List<bool>();
        while (await events.MoveNextAsync().WithPatience())
        {
            rest.Add(events.Current.IsTerminal);
        }

        rest.Should().Equal(false, true);
        _faults.StreamRequests.Should().Be(1, "the connection was healthy all along");
        _logger.Collector.GetSnapshot().Should().NotContain(r => r.Id.Id == 4001);
    }
}
