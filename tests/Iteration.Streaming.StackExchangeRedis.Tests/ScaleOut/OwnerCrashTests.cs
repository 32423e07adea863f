using System.Diagnostics;
using Iteration.Streaming.Events;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Iteration.Streaming.TestHost;
using Iteration.Streaming.TestUtilities;
using Xunit.Abstractions;

namespace Iteration.Streaming.StackExchangeRedis.Tests.ScaleOut;

/// <summary>
/// The instance running a generation dies: its lease lapses and exactly one other instance resumes the run from its last
/// saved phase, with the same id and the next sequence, so no watcher waits forever and no saved work is lost.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class OwnerCrashTests(RedisServerFixture server, ITestOutputHelper output)
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Renewal = TimeSpan.FromMilliseconds(100);

    [Fact]
    public async Task OwnerCrashes_MidRun_TheOtherInstanceResumesFromTheLastSavedPhase_AndWatchersSeeContiguousIds()
    {
        var generator = new ControlledPhaseGenerator();
        await using var cluster = await ScaleOutCluster.StartAsync(server, generatorA: generator, configureRedis: ShortLease);
        var started = await cluster.A.StartGenerationAsync(cluster.A.CreateClient());
        var client = cluster.B.CreateClient();
        using var onB = await client.GetStreamAsync(started.GenerationId, started.SseToken);
        await using var events = onB.ReadEventsAsync().GetAsyncEnumerator();
        var seen = new List<System.Net.ServerSentEvents.SseItem<string>>();
        (await generator.NextPhaseAsync()).Yield("src/App.cs", "class App {}").Complete();
        (await generator.NextPhaseAsync()).Yield("src/User.cs", "class User {}");
        seen.Add(await events.ReadUntilAsync(e => e.Stage == GenerationStages.PhaseProgress(2), seen.Add));

        var clock = Stopwatch.StartNew();
        await cluster.CrashAsync(cluster.A);
        var resumed = await events.ReadUntilAsync(e => e.Stage == GenerationStages.Resumed, seen.Add);
        var resumedAfter = clock.Elapsed;
        seen.Add(resumed);
        seen.Add(await events.ReadUntilAsync(e => e.IsTerminal, seen.Add));
        output.WriteLine($"takeover: crash -> 'resumed' on the watcher {resumedAfter.TotalMilliseconds:0} ms (lease {Lease.TotalMilliseconds:0} ms, renewal {Renewal.TotalMilliseconds:0} ms)");

        seen.ShouldBeContiguousFromOne();
        var progress = seen.Select(e => e.ToProgressEvent()).ToList();
        progress.Should().OnlyContain(e => e.GenerationId == started.GenerationId);
        progress[^1].Status.Should().Be(GenerationStatus.Completed);
        resumed.ToProgressEvent().Message.Should().Be("Resumed on another instance: phase 1 kept (1 file), continuing with phase 2");
        progress.Count(e => e.Stage == GenerationStages.PhaseComplete(1)).Should().Be(1, "a saved phase is not generated again");
        progress.Select(e => e.Stage).Should().ContainInOrder(GenerationStages.PhaseComplete(1), GenerationStages.Resumed, GenerationStages.PhaseComplete(2), GenerationStages.Completed);
        progress.Select(e => e.Progress).Should().BeInAscendingOrder("progress never goes back across the takeover");
        resumedAfter.Should().BeLessThan(Lease + Lease + TimeSpan.FromSeconds(4), "the lease lapses after about its duration and is found at the next round (slack for a loaded CI machine)");
        (await events.MoveNextAsync().AsTask().WithPatience()).Should().BeFalse("the stream ends after the terminal event");

        using var file = await client.SendAsync(HttpMethod.Get, started.StatusUrl + "/files/src/App.cs", started.SseToken);
        (await file.Content.ReadAsStringAsync()).Should().Be("class App {}", "the phase saved before the crash is kept, not generated again");
        var snapshot = await client.SnapshotAsync(started);
        snapshot.Status.Should().Be(GenerationStatus.Completed);
        (await cluster.B.Records.GetAsync(started.GenerationId))!.Attempts.Should().Be(2, "the takeover counts as a resume");
    }

    [Fact]
    public async Task OwnerCrashes_WithARunWaitingInItsQueue_BothRunsCompleteOnTheOtherInstance()
    {
        var generator = new ControlledPhaseGenerator();
        await using var cluster = await ScaleOutCluster.StartAsync(
            server,
            generatorA: generator,
            configureRedis: ShortLease,
            configureOptions: o => o.MaxConcurrentGenerations = 1);
        var clientA = cluster.A.CreateClient();
        var running = await cluster.A.StartGenerationAsync(clientA);
        var queued = await cluster.A.StartGenerationAsync(clientA);
        await generator.NextPhaseAsync();

        await cluster.CrashAsync(cluster.A);
        var client = cluster.B.CreateClient();
        var endings = await Task.WhenAll(
            ResumingReader.ReadToEndAsync([client], running.GenerationId, running.SseToken),
            ResumingReader.ReadToEndAsync([client], queued.GenerationId, queued.SseToken));

        endings.Should().AllSatisfy(events =>
        {
            events.ShouldBeContiguousFromOne();
            events[^1].ToProgressEvent().Status.Should().Be(GenerationStatus.Completed);
            events.Select(e => e.ToProgressEvent().Stage).Should().Contain(GenerationStages.Resumed);
        });
        endings[1][0].ToProgressEvent().Status.Should().Be(GenerationStatus.Queued);
    }

    [Fact]
    public async Task OwnerCrashes_PastMaxResumeAttempts_TheRunEndsFailed()
    {
        var generator = new ControlledPhaseGenerator();
        await using var cluster = await ScaleOutCluster.StartAsync(
            server,
            generatorA: generator,
            configureRedis: ShortLease,
            configureOptions: o => o.MaxResumeAttempts = 0);
        var started = await cluster.A.StartGenerationAsync(cluster.A.CreateClient());
        (await generator.NextPhaseAsync()).Yield("src/App.cs", "class App {}").Complete();
        await generator.NextPhaseAsync();

        await cluster.CrashAsync(cluster.A);
        var events = await ResumingReader.ReadToEndAsync([cluster.B.CreateClient()], started.GenerationId, started.SseToken);

        events.ShouldBeContiguousFromOne();
        var terminal = events[^1].ToProgressEvent();
        terminal.Status.Should().Be(GenerationStatus.Failed);
        terminal.Error.Should().Contain("MaxResumeAttempts is 0");
        events.Select(e => e.ToProgressEvent().Stage).Should().NotContain(GenerationStages.Resumed);
    }

    private static void ShortLease(Iteration.Streaming.StackExchangeRedis.Hosting.IterationStreamingRedisOptions options)
    {
        options.LeaseDuration = Lease;
        options.LeaseRenewalInterval = Renewal;
    }
}
