using System.Net;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.AspNetCore.Tests.EndToEnd;

/// <summary>
/// Real runs of the engine, paced by the reader so they are always live, read by a client that drops its connection
/// at random points and resumes with Last-Event-ID like EventSource does.
/// </summary>
public sealed class ResumeDuringRunTests : IAsyncLifetime
{
    private const int FilesPerPhase = 5;

    private readonly ControlledPhaseGenerator _generator = new();
    private KestrelTestHost _host = null!;

    public async Task InitializeAsync() => _host = await KestrelTestHost.StartAsync(generator: _generator);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Resume_CutAtTwoHundredRandomPointsOfLiveRuns_SeesEveryEventOnceInOrder()
    {
        var random = new Random(4242);
        var client = _host.CreateClient();
        var cuts = 0;
        var runs = 0;

        while (cuts < 200)
        {
            var started = await _host.StartGenerationAsync(client, entities: ["User"]);
            using var pace = new SemaphoreSlim(0);
            var driver = DriveAsync(pace);
            var received = new List<long>();
            var terminal = false;
            while (!terminal)
            {
                using var response = await client.GetStreamAsync(started.GenerationId, started.SseToken, lastEventId: received.Count == 0 ? null : received[^1]);
                response.StatusCode.Should().Be(HttpStatusCode.OK);
                var budget = random.Next(1, 6);
                await using var events = response.ReadEventsAsync().GetAsyncEnumerator();
                while (await events.MoveNextAsync().AsTask().WithPatience())
                {
                    received.Add(events.Current.Sequence());
                    pace.Release();
                    terminal = events.Current.ToProgressEvent().IsTerminal;
                    if (terminal)
                    {
                        break;
                    }

                    if (--budget == 0)
                    {
                        cuts++;
                        break;
                    }
                }
            }

            await driver.WithPatience();
            var last = (await _host.EventLog.GetLatestAsync(started.GenerationId))!;
            last.Event.Status.Should().Be(GenerationStatus.Completed);
            received.Should().Equal(Enumerable.Range(1, (int)last.Sequence).Select(n => (long)n), $"run {runs} must have no gap and no duplicate");
            runs++;
        }

        runs.Should().BeGreaterThan(1);
    }

    /// <summary>Answers the run's four phases, one file per event the reader has received, so the run stays live.</summary>
    private async Task DriveAsync(SemaphoreSlim pace)
    {
        for (var phase = 1; phase <= 4; phase++)
        {
            var controlled = await _generator.NextPhaseAsync();
            for (var file = 1; file <= FilesPerPhase; file++)
            {
                await pace.WaitAsync().WithPatience();
                controlled.Yield($"phase{phase}/File{file}.cs", $"// {phase}.{file}");
            }

            controlled.Complete();
        }
    }
}
