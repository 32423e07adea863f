using System.Diagnostics;
using System.Net;
using Iteration.Streaming.Events;
using Iteration.Streaming.StackExchangeRedis.Ownership;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Iteration.Streaming.TestHost;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.StackExchangeRedis.Tests.ScaleOut;

/// <summary>The instance running a generation dies: its lease lapses and another instance ends the run, so no watcher waits forever.</summary>
[Collection(RedisCollection.Name)]
public sealed class OwnerCrashTests(RedisServerFixture server)
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Renewal = TimeSpan.FromMilliseconds(100);

    [Fact]
    public async Task OwnerCrashes_WatchersOnB_GetFailedWithinTheLease_AndSavedFilesStayReadable()
    {
        var generator = new ControlledPhaseGenerator();
        await using var cluster = await ScaleOutCluster.StartAsync(server, generatorA: generator, configureRedis: o =>
        {
            o.LeaseDuration = Lease;
            o.LeaseRenewalInterval = Renewal;
        });
        var started = await cluster.A.StartGenerationAsync(cluster.A.CreateClient());
        var client = cluster.B.CreateClient();
        using var onB = await client.GetStreamAsync(started.GenerationId, started.SseToken);
        await using var events = onB.ReadEventsAsync().GetAsyncEnumerator();
        (await generator.NextPhaseAsync()).Yield("src/App.cs", "class App {}").Complete();
        (await generator.NextPhaseAsync()).Yield("src/User.cs", "class User {}");
        var beforeCrash = await events.ReadUntilAsync(e => e.Stage == GenerationStages.PhaseProgress(2));

        var clock = Stopwatch.StartNew();
        await cluster.CrashAsync(cluster.A);
        var failed = await events.ReadUntilAsync(e => e.IsTerminal);
        clock.Stop();

        var terminal = failed.ToProgressEvent();
        terminal.Status.Should().Be(GenerationStatus.Failed);
        terminal.Stage.Should().Be(GenerationStages.Error);
        terminal.Message.Should().Be(RedisLeaseKeeper.OwnerLostMessage);
        terminal.Error.Should().Contain("was lost");
        terminal.Progress.Should().Be(beforeCrash.ToProgressEvent().Progress, "a failed event keeps the progress reached");
        failed.Sequence().Should().Be(beforeCrash.Sequence() + 1, "nothing the crashed instance did after the crash reached the log");
        clock.Elapsed.Should().BeLessThan(Lease + Lease + TimeSpan.FromSeconds(4), "the lease lapses after about its duration and is found at the next renewal round (slack for a loaded CI machine)");
        (await events.MoveNextAsync().AsTask().WithPatience()).Should().BeFalse("the stream ends after the terminal event");

        using var file = await client.SendAsync(HttpMethod.Get, started.StatusUrl + "/files/src/App.cs", started.SseToken);
        (await file.Content.ReadAsStringAsync()).Should().Be("class App {}", "files saved before the crash live in the shared folder");
        (await client.SnapshotAsync(started)).Status.Should().Be(GenerationStatus.Failed);
        using var cancel = await client.SendAsync(HttpMethod.Delete, started.StatusUrl, started.ControlToken);
        cancel.StatusCode.Should().Be(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task OwnerCrashes_WithARunWaitingInItsQueue_BothRunsEnd()
    {
        var generator = new ControlledPhaseGenerator();
        await using var cluster = await ScaleOutCluster.StartAsync(
            server,
            generatorA: generator,
            configureRedis: o =>
            {
                o.LeaseDuration = Lease;
                o.LeaseRenewalInterval = Renewal;
            },
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

        endings.Should().AllSatisfy(events => events[^1].ToProgressEvent().Status.Should().Be(GenerationStatus.Failed));
        endings[1][0].ToProgressEvent().Status.Should().Be(GenerationStatus.Queued);
    }
}
