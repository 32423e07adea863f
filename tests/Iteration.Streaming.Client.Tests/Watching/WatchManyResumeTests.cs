using Iteration.Streaming.Client.Tests.Infrastructure;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Client.Tests.Watching;

/// <summary>
/// The server side cuts the multiplexed stream at random byte offsets (inside the <c>retry:</c> line, inside frames,
/// between them) while the members' logs grow: each time the client resumes with the last cursor, and every member's
/// events arrive exactly once and in its own order.
/// </summary>
public sealed class WatchManyResumeTests : IAsyncLifetime
{
    private readonly StreamFaults _faults = new();
    private KestrelTestHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await KestrelTestHost.StartAsync(o => o.RetryInterval = TimeSpan.FromMilliseconds(1), configureApp: _faults.MapWithFaults);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task WatchManyAsync_AcrossSixtyServerSideCuts_YieldsEachGenerationsEventsExactlyOnceInOrder()
    {
        const int Members = 10;
        const int ProgressEventsEach = 30;
        const int Cuts = 60;
        var handles = new List<GenerationHandle>();
        for (var i = 0; i < Members; i++)
        {
            handles.Add(await _host.CreateGenerationAsync(progressEvents: 2, ended: false));
        }

        var appended = handles.ToDictionary(h => h.GenerationId, _ => 2);
        var random = new Random(20261207);
        var total = Members * 2;
        async Task AppendNextAsync()
        {
            var open = appended.Where(p => p.Value <= ProgressEventsEach).Select(p => p.Key).ToList();
            if (open.Count == 0)
            {
                return;
            }

            var id = open[random.Next(open.Count)];
            await _host.EventLog.AppendAsync(appended[id] < ProgressEventsEach
                ? TestEvents.Progress(id, appended[id])
                : TestEvents.Completed(id) with { Timestamp = _host.Now });
            appended[id]++;
            total++;
        }

        var frameBytes = (await _host.LoggedEntriesAsync(handles[0].GenerationId))[0].Frame.Length;
        var cuts = new Random(7);
        _faults.Plan = n =>
        {
            lock (cuts)
            {
                if (n > Cuts)
                {
                    return null;
                }

                // Up to about three multiplexed frames in (each is a member's frame plus a longer id).
                var bytes = cuts.Next(1, 12 + (3 * 2 * frameBytes));
                return cuts.Next(2) == 0 ? new StreamFault.EndAfter(bytes) : new StreamFault.AbortAfter(bytes);
            }
        };
        var client = _host.CreateIterationClient(TestClients.Patient());

        // The logs grow while the client reads: some events are replayed on reconnect, others arrive live.
        var received = await Task.Run(async () =>
        {
            var list = new List<StreamingProgressEvent>();
            await foreach (var e in client.WatchManyAsync(handles, new WatchManyOptions { From = WatchManyFrom.Start }))
            {
                list.Add(e);
                for (var more = random.Next(0, 3); more > 0; more--)
                {
                    await AppendNextAsync();
                }

                if (total == list.Count)
                {
                    await AppendNextAsync();
                }
            }

            return list;
        }).WithPatience();

        var byGeneration = received.ByGeneration();
        foreach (var handle in handles)
        {
            byGeneration[handle.GenerationId].Should().Equal(await _host.LoggedEventsAsync(handle.GenerationId), "generation {0} must arrive whole, once and in order", handle.GenerationId);
            byGeneration[handle.GenerationId].Should().HaveCount(ProgressEventsEach + 1);
        }

        _faults.Cuts.Should().Be(Cuts);
        _faults.MidFrameCuts.Should().BeGreaterThan(Cuts / 2, "most random cuts fall inside a frame");
        _faults.StreamRequests.Should().Be(Cuts + 1, "each cut costs exactly one reconnection");
    }
}
