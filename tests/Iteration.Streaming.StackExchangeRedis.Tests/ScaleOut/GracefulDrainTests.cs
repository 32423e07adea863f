using System.Diagnostics;
using System.Net.ServerSentEvents;
using Iteration.Streaming.Events;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Iteration.Streaming.TestHost;
using Iteration.Streaming.TestUtilities;
using Xunit.Abstractions;

namespace Iteration.Streaming.StackExchangeRedis.Tests.ScaleOut;

/// <summary>
/// An instance stopped gracefully (SIGTERM) hands its runs over at once, admits nothing new, and ends its streams with a
/// jittered <c>retry:</c>; another instance resumes the runs long before the lease would lapse, and nothing fails.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class GracefulDrainTests(RedisServerFixture server, ITestOutputHelper output)
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task OwnerStopsGracefullyMidRun_TheOtherInstanceResumesAtOnce_AndItsWatchersReconnectWithNothingLost()
    {
        var generator = new ControlledPhaseGenerator();
        await using var cluster = await ScaleOutCluster.StartAsync(server, generatorA: generator, configureRedis: o =>
        {
            o.LeaseDuration = Lease;
            o.LeaseRenewalInterval = TimeSpan.FromSeconds(5);
        });
        var clientA = cluster.A.CreateClient();
        var started = await cluster.A.StartGenerationAsync(clientA);
        var phaseTwoSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var resumedAt = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = new Stopwatch();
        var reading = ResumingReader.ReadToEndAsync([clientA, cluster.B.CreateClient()], started.GenerationId, started.SseToken, e =>
        {
            var stage = e.ToProgressEvent().Stage;
            if (stage == GenerationStages.PhaseProgress(2))
            {
                phaseTwoSeen.TrySetResult();
            }
            else if (stage == GenerationStages.Resumed)
            {
                resumedAt.TrySetResult(clock.Elapsed);
            }
        });
        (await generator.NextPhaseAsync()).Yield("src/App.cs", "class App {}").Complete();
        (await generator.NextPhaseAsync()).Yield("src/User.cs", "class User {}");
        await phaseTwoSeen.Task.WithPatience();

        clock.Start();
        await cluster.A.StopAsync().WithPatience();
        var stoppedAfter = clock.Elapsed;
        var events = await reading.WithPatience();
        var handedOver = await resumedAt.Task;
        output.WriteLine($"hand-over: stop -> A stopped {stoppedAfter.TotalMilliseconds:0} ms; stop -> 'resumed' seen by the watcher {handedOver.TotalMilliseconds:0} ms (lease {Lease.TotalSeconds:0} s)");

        events.ShouldBeContiguousFromOne();
        var progress = events.Select(e => e.ToProgressEvent()).ToList();
        progress[^1].Status.Should().Be(GenerationStatus.Completed);
        progress.Should().NotContain(e => e.Status == GenerationStatus.Failed || e.Status == GenerationStatus.Cancelled, "a hand-over fails and cancels nothing");
        progress.Single(e => e.Stage == GenerationStages.Resumed).Message.Should().StartWith("Resumed on another instance: phase 1 kept");
        progress.Count(e => e.Stage == GenerationStages.PhaseComplete(1)).Should().Be(1);
        handedOver.Should().BeLessThan(TimeSpan.FromSeconds(3), "the run is handed over at once, not after the lease lapses");
    }

    [Fact]
    public async Task StoppingHost_EndsItsStreamsWithAJitteredRetry()
    {
        var generator = new ControlledPhaseGenerator();
        await using var cluster = await ScaleOutCluster.StartAsync(server, generatorA: generator);
        var clientA = cluster.A.CreateClient();
        var started = await cluster.A.StartGenerationAsync(clientA);
        await generator.NextPhaseAsync();
        using var stream = await clientA.GetStreamAsync(started.GenerationId, started.SseToken);
        var body = await stream.Content.ReadAsStreamAsync();
        await body.ReadRawUntilAsync(text => text.Contains("\"stage\":\"phase_1_started\"", StringComparison.Ordinal));

        var stopping = cluster.A.StopAsync();
        var rest = await new StreamReader(body).ReadToEndAsync().WithPatience();
        await stopping.WithPatience();

        var retry = rest.Split('\n').Last(l => l.StartsWith("retry: ", StringComparison.Ordinal));
        long.Parse(retry["retry: ".Length..], System.Globalization.CultureInfo.InvariantCulture).Should().BeInRange(2_000, 7_000, "RetryInterval plus a spread of up to 5 seconds");
    }
}
