using Iteration.Streaming.Client.Tests.Infrastructure;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Client.Tests.Watching;

/// <summary>
/// The server side cuts the connection at random byte offsets (inside the <c>retry:</c> line, inside frames, between
/// them): the client must resume each time and yield every event exactly once, in order.
/// </summary>
public sealed class WatchResumeTests : IAsyncLifetime
{
    private const int RetryLineBytes = 10; // "retry: 1\n\n"
    private readonly StreamFaults _faults = new();
    private KestrelTestHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await KestrelTestHost.StartAsync(o => o.RetryInterval = TimeSpan.FromMilliseconds(1), configureApp: _faults.MapWithFaults);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    /// <summary>
    /// Cuts stream requests 1 to <paramref name="cuts"/> at a random offset up to three frames in: half end the
    /// response there, half reset the connection.
    /// </summary>
    private void CutRandomly(int cuts, int frameBytes, int seed)
    {
        var random = new Random(seed);
        _faults.Plan = n =>
        {
            lock (random)
            {
                if (n > cuts)
                {
                    return null;
                }

                var bytes = random.Next(1, RetryLineBytes + (3 * frameBytes));
                return random.Next(2) == 0 ? new StreamFault.EndAfter(bytes) : new StreamFault.AbortAfter(bytes);
            }
        };
    }

    [Fact]
    public async Task WatchAsync_AcrossTwoHundredServerSideCuts_YieldsEveryEventExactlyOnceInOrder()
    {
        const int Cuts = 200;
        const int ProgressEvents = 300;
        var (id, token) = await _host.CreateGenerationLogAsync();
        var appended = 0;
        async Task AppendNextAsync()
        {
            await _host.EventLog.AppendAsync(appended < ProgressEvents
                ? TestEvents.Progress(id, appended)
                : TestEvents.Completed(id) with { Timestamp = _host.Now });
            appended++;
        }

        for (var i = 0; i < 5; i++)
        {
            await AppendNextAsync();
        }

        CutRandomly(Cuts, (await _host.EventLog.GetLatestAsync(id))!.Frame.Length, seed: 20251018);
        var client = _host.CreateIterationClient(TestClients.Patient());
        var pace = new Random(7);

        // The log grows while the client reads: some events are replayed on reconnect, others arrive live.
        var received = await Task.Run(async () =>
        {
            var list = new List<StreamingProgressEvent>();
            await foreach (var e in client.WatchAsync(id, token))
            {
                list.Add(e);
                for (var more = pace.Next(0, 3); more > 0 && appended <= ProgressEvents; more--)
                {
                    await AppendNextAsync();
                }

                if (appended == list.Count && appended <= ProgressEvents)
                {
                    await AppendNextAsync();
                }
            }

            return list;
        }).WithPatience();

        received.Select(e => e.ToWire()).Should().Equal(await _host.LoggedEventsAsync(id));
        received.Should().HaveCount(ProgressEvents + 1);
        received[^1].Status.Should().Be(GenerationStatus.Completed);
        _faults.Cuts.Should().Be(Cuts);
        _faults.MidFrameCuts.Should().BeGreaterThan(Cuts / 2, "most random cuts fall inside a frame");
        _faults.StreamRequests.Should().Be(Cuts + 1, "each cut costs exactly one reconnection");
    }

    [Fact]
    public async Task WatchAsync_RealRunCutRepeatedly_YieldsEveryLoggedEventOnceInOrder()
    {
        var client = _host.CreateIterationClient(TestClients.Patient());
        var frameBytes = 300;
        CutRandomly(30, frameBytes, seed: 99);

        var handle = await client.StartAsync("Build a shop", ["User", "Product", "Order", "Invoice"]);
        var received = await client.WatchAsync(handle).CollectAsync();

        received.Select(e => e.ToWire()).Should().Equal(await _host.LoggedEventsAsync(handle.GenerationId));
        received[^1].Status.Should().Be(GenerationStatus.Completed);
        _faults.Cuts.Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task WatchAsync_AfterACut_ResumesWithTheLastEventIdItYielded()
    {
        var (id, token) = await _host.CreateGenerationLogAsync();
        for (var i = 0; i < 4; i++)
        {
            await _host.EventLog.AppendAsync(TestEvents.Progress(id, i));
        }

        await _host.EndGenerationAsync(TestEvents.Completed(id) with { Timestamp = _host.Now });
        var frameBytes = (await _host.LoggedEntriesAsync(id))[0].Frame.Length;
        _faults.Plan = n => n == 1 ? new StreamFault.EndAfter(RetryLineBytes + (2 * frameBytes) + (frameBytes / 2)) : null;
        var client = _host.CreateIterationClient(TestClients.Patient());

        var received = await client.WatchAsync(id, token).CollectAsync();

        received.Should().HaveCount(5);
        _faults.LastEventIds.Should().Equal(string.Empty, "2");
        _faults.MidFrameCuts.Should().Be(1);
    }
}
