using System.Net;
using System.Net.ServerSentEvents;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Iteration.Streaming.TestHost;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.StackExchangeRedis.Tests.ScaleOut;

/// <summary>
/// The redis-server process restarts in the middle of a run (killed, then started again on the same port). What is kept:
/// with persistence, everything; without, the running generation goes on (its owner restores it, the sequence goes on and
/// the history before the restart stands as one snapshot event), the watchers lose nothing, and the files stay; the logs
/// and records of generations that had already ended are gone (their files stay readable).
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RedisRestartTests(RedisServerFixture server)
{
    [Fact]
    public async Task RestartWithoutPersistence_MidRun_TheRunCompletes_AndWatchersLoseNothing()
    {
        var generator = new ControlledPhaseGenerator();
        await using var cluster = await ScaleOutCluster.StartAsync(server, generatorA: generator);
        var clientA = cluster.A.CreateClient();
        var clientB = cluster.B.CreateClient();
        var earlier = await cluster.A.StartGenerationAsync(clientA);
        await generator.FinishRunAsync();
        var started = await cluster.A.StartGenerationAsync(clientA);
        var phase1Seen = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var watcher = ResumingReader.ReadToEndAsync([clientB, clientA], started.GenerationId, started.SseToken, e =>
        {
            if (e.ToProgressEvent().Stage == GenerationStages.PhaseComplete(1))
            {
                phase1Seen.TrySetResult(e.Sequence());
            }
        });
        (await generator.NextPhaseAsync()).Yield("src/App.cs", "class App {}").Complete();
        var lastBeforeRestart = await phase1Seen.Task.WithPatience();
        var second = await generator.NextPhaseAsync();

        await server.StopAsync(keepData: false);
        second.Yield("src/User.cs", "class User {}").Complete();
        await server.StartAgainAsync();
        await generator.FinishRunAsync(fromPhase: 3);
        var watched = await watcher.WithPatience();

        watched.ShouldBeContiguousFromOne();
        watched[^1].ToProgressEvent().Status.Should().Be(GenerationStatus.Completed);

        using var replay = await clientB.GetStreamAsync(started.GenerationId, started.SseToken);
        var fromStart = await replay.ReadAllEventsAsync().WithPatience();
        fromStart[0].ToProgressEvent().Replay.Should().Be(StreamingProgressEvent.SnapshotReplay, "the history before the restart is summed up by the newest event Redis had");
        fromStart[0].Sequence().Should().BeGreaterThanOrEqualTo(lastBeforeRestart);
        fromStart.Skip(1).Select(e => e.Data).Should().Equal(watched.SkipWhile(e => e.Sequence() <= fromStart[0].Sequence()).Select(e => e.Data));

        var snapshot = await clientB.SnapshotAsync(started);
        snapshot.Status.Should().Be(GenerationStatus.Completed);
        snapshot.FileCount.Should().Be(4);
        using var file = await clientB.SendAsync(HttpMethod.Get, started.StatusUrl + "/files/src/User.cs", started.SseToken);
        (await file.Content.ReadAsStringAsync()).Should().Be("class User {}", "the event written during the outage was true on disk");

        using var earlierStream = await clientB.GetStreamAsync(earlier.GenerationId, earlier.SseToken);
        using var earlierFile = await clientB.SendAsync(HttpMethod.Get, earlier.StatusUrl + "/files/phase1.txt", earlier.SseToken);
        earlierStream.StatusCode.Should().Be(HttpStatusCode.Unauthorized, "an ended generation's log and record were only in Redis: its token is valid no more");
        earlierFile.StatusCode.Should().Be(HttpStatusCode.Unauthorized, "files of a generation no store knows are never served (no ghosts)");
    }

    [Fact]
    public async Task RestartWithPersistence_MidRun_KeepsEveryEvent()
    {
        var generator = new ControlledPhaseGenerator();
        await using var cluster = await ScaleOutCluster.StartAsync(server, generatorA: generator);
        var clientB = cluster.B.CreateClient();
        var started = await cluster.A.StartGenerationAsync(cluster.A.CreateClient());
        var phase1Seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watcher = ResumingReader.ReadToEndAsync([clientB], started.GenerationId, started.SseToken, e =>
        {
            if (e.ToProgressEvent().Stage == GenerationStages.PhaseComplete(1))
            {
                phase1Seen.TrySetResult();
            }
        });
        (await generator.NextPhaseAsync()).Yield("a.txt", "a").Complete();
        await phase1Seen.Task.WithPatience();
        var second = await generator.NextPhaseAsync();

        await server.StopAsync(keepData: true);
        second.Yield("b.txt", "b").Yield("c.txt", "c").Complete();
        await server.StartAgainAsync();
        await generator.FinishRunAsync(fromPhase: 3);
        var watched = await watcher.WithPatience();

        using var replay = await clientB.GetStreamAsync(started.GenerationId, started.SseToken);
        var fromStart = await replay.ReadAllEventsAsync().WithPatience();
        watched.ShouldBeContiguousFromOne();
        fromStart.Select(e => e.Data).Should().Equal(watched.Select(e => e.Data), "nothing was lost: the events written during the outage waited in order");
        fromStart.Should().OnlyContain(e => e.ToProgressEvent().Replay == null);
    }
}
