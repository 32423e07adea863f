using Iteration.Streaming.Security;
using System.Net;
using System.Net.Http.Json;
using Iteration.Streaming.Events;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Iteration.Streaming.TestHost;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.StackExchangeRedis.Tests.ScaleOut;

/// <summary>Two real hosts on one Redis: a run lives on the instance that took the POST; everything else works on either.</summary>
[Collection(RedisCollection.Name)]
public sealed class CrossInstanceTests(RedisServerFixture server)
{
    [Fact]
    public async Task StartOnA_WatchOnB_ReceivesTheSameEventsAsA()
    {
        await using var cluster = await ScaleOutCluster.StartAsync(server);
        var started = await cluster.A.StartGenerationAsync(cluster.A.CreateClient());

        using var onB = await cluster.B.CreateClient().GetStreamAsync(started.GenerationId, started.SseToken);
        var fromB = await onB.ReadAllEventsAsync().WithPatience();
        using var onA = await cluster.A.CreateClient().GetStreamAsync(started.GenerationId, started.SseToken);
        var fromA = await onA.ReadAllEventsAsync().WithPatience();

        onB.StatusCode.Should().Be(HttpStatusCode.OK);
        fromB.ShouldBeContiguousFromOne();
        fromB[0].ToProgressEvent().Stage.Should().Be(GenerationStages.Initializing);
        fromB[^1].ToProgressEvent().Status.Should().Be(GenerationStatus.Completed);
        fromB.Select(e => e.Data).Should().Equal(fromA.Select(e => e.Data), "every instance serves the same frames");
    }

    [Fact]
    public async Task StreamCutOnB_ResumedOnA_HasNoGapAndNoDuplicate()
    {
        var generator = new ControlledPhaseGenerator();
        await using var cluster = await ScaleOutCluster.StartAsync(server, generatorA: generator);
        var started = await cluster.A.StartGenerationAsync(cluster.A.CreateClient());
        var received = new List<System.Net.ServerSentEvents.SseItem<string>>();
        using (var onB = await cluster.B.CreateClient().GetStreamAsync(started.GenerationId, started.SseToken))
        {
            await using var events = onB.ReadEventsAsync().GetAsyncEnumerator();
            (await generator.NextPhaseAsync()).Yield("a.txt", "a").Yield("b.txt", "b").Complete();
            var second = await generator.NextPhaseAsync();
            second.Yield("c.txt", "c");
            while (received.Count == 0 || received[^1].ToProgressEvent().Stage != GenerationStages.PhaseProgress(2))
            {
                (await events.MoveNextAsync().AsTask().WithPatience()).Should().BeTrue();
                received.Add(events.Current);
            }

            // The browser's connection to B drops here; the run goes on meanwhile.
            second.Yield("d.txt", "d").Complete();
        }

        await generator.FinishRunAsync(fromPhase: 3);
        using var onA = await cluster.A.CreateClient().GetStreamAsync(started.GenerationId, started.SseToken, lastEventId: received[^1].Sequence());
        received.AddRange(await onA.ReadAllEventsAsync().WithPatience());

        received.ShouldBeContiguousFromOne();
        received[^1].ToProgressEvent().Status.Should().Be(GenerationStatus.Completed);
    }

    [Fact]
    public async Task CancelOnB_StopsTheRunOnA_AndAnswers202()
    {
        var generator = new ControlledPhaseGenerator();
        await using var cluster = await ScaleOutCluster.StartAsync(server, generatorA: generator);
        var started = await cluster.A.StartGenerationAsync(cluster.A.CreateClient());
        var phase = await generator.NextPhaseAsync();
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = phase.RunCancellation.Register(stopped.SetResult);
        using var onB = await cluster.B.CreateClient().GetStreamAsync(started.GenerationId, started.SseToken);

        using var cancel = await cluster.B.CreateClient().SendAsync(HttpMethod.Delete, started.StatusUrl, started.ControlToken!);
        await stopped.Task.WithPatience();
        var events = await onB.ReadAllEventsAsync().WithPatience();

        cancel.StatusCode.Should().Be(HttpStatusCode.Accepted);
        events[^1].ToProgressEvent().Status.Should().Be(GenerationStatus.Cancelled);
        events.ShouldBeContiguousFromOne();
    }

    [Fact]
    public async Task CancelOnB_AfterTheRunEnded_Answers409_AndATokenForAnUnknownGenerationAnswers401()
    {
        await using var cluster = await ScaleOutCluster.StartAsync(server);
        var client = cluster.B.CreateClient();
        var started = await cluster.A.StartGenerationAsync(cluster.A.CreateClient());
        using (var stream = await client.GetStreamAsync(started.GenerationId, started.SseToken))
        {
            await stream.ReadAllEventsAsync().WithPatience();
        }

        var unknown = Guid.NewGuid().ToString();
        using var ended = await client.SendAsync(HttpMethod.Delete, started.StatusUrl, started.ControlToken!);
        using var missing = await client.SendAsync(HttpMethod.Delete, "generations/" + unknown, cluster.B.Tokens.IssueToken(unknown, StreamTokenScope.Control));

        ended.StatusCode.Should().Be(HttpStatusCode.Conflict);
        missing.StatusCode.Should().Be(HttpStatusCode.Unauthorized, "a token is never valid for a generation that has no record");
    }

    [Fact]
    public async Task SnapshotAndFiles_OnB_ShowARunningGenerationOfA()
    {
        var generator = new ControlledPhaseGenerator();
        await using var cluster = await ScaleOutCluster.StartAsync(server, generatorA: generator);
        var started = await cluster.A.StartGenerationAsync(cluster.A.CreateClient());
        var client = cluster.B.CreateClient();
        using var onB = await client.GetStreamAsync(started.GenerationId, started.SseToken);
        await using var events = onB.ReadEventsAsync().GetAsyncEnumerator();
        (await generator.NextPhaseAsync()).Yield("src/App.cs", "class App {}").Complete();
        var phaseComplete = await events.ReadUntilAsync(e => e.Stage == GenerationStages.PhaseComplete(1));

        var snapshot = await client.SnapshotAsync(started);
        using var list = await client.SendAsync(HttpMethod.Get, started.StatusUrl + "/files", started.SseToken);
        using var file = await client.SendAsync(HttpMethod.Get, started.StatusUrl + "/files/src/App.cs", started.SseToken);

        snapshot.Status.Should().Be(GenerationStatus.Processing);
        snapshot.LastEventId.Should().BeGreaterThanOrEqualTo(phaseComplete.Sequence());
        snapshot.FileCount.Should().Be(1);
        (await list.Content.ReadAsStringAsync()).Should().Contain("src/App.cs");
        (await file.Content.ReadAsStringAsync()).Should().Be("class App {}");
        await generator.FinishRunAsync(fromPhase: 2);
    }

    [Fact]
    public async Task IterateOnB_WhileTheParentRunsOnA_Answers409_ThenRunsOnBOnceItEnded()
    {
        var generator = new ControlledPhaseGenerator();
        await using var cluster = await ScaleOutCluster.StartAsync(server, generatorA: generator);
        var started = await cluster.A.StartGenerationAsync(cluster.A.CreateClient());
        var client = cluster.B.CreateClient();
        await generator.NextPhaseAsync().ContinueWith(t => t.Result.Yield("src/App.cs", "class App {}").Complete(), TaskScheduler.Default);

        using var whileRunning = await client.IterateAsync(started.GenerationId, started.ControlToken);
        await generator.FinishRunAsync(fromPhase: 2);
        using (var stream = await client.GetStreamAsync(started.GenerationId, started.SseToken))
        {
            await stream.ReadAllEventsAsync().WithPatience();
        }

        using var afterEnd = await client.IterateAsync(started.GenerationId, started.ControlToken);
        var iteration = (await afterEnd.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationStartedResponse))!;
        using var iterationStream = await cluster.A.CreateClient().GetStreamAsync(iteration.GenerationId, iteration.SseToken);
        var iterationEvents = await iterationStream.ReadAllEventsAsync().WithPatience();
        var snapshot = await cluster.A.CreateClient().SnapshotAsync(iteration);

        whileRunning.StatusCode.Should().Be(HttpStatusCode.Conflict);
        afterEnd.StatusCode.Should().Be(HttpStatusCode.Accepted);
        iterationEvents[^1].ToProgressEvent().Status.Should().Be(GenerationStatus.Completed);
        snapshot.ParentGenerationId.Should().Be(started.GenerationId);
        snapshot.FileCount.Should().BeGreaterThan(4, "the iteration starts from the parent's files");
    }

    [Fact]
    public async Task IterateOnB_UnknownParent_Answers401_RevealingNothing()
    {
        await using var cluster = await ScaleOutCluster.StartAsync(server);
        var unknown = Guid.NewGuid().ToString();

        using var response = await cluster.B.CreateClient().IterateAsync(unknown, cluster.B.Tokens.IssueToken(unknown, StreamTokenScope.Control));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized, "a token of a generation with no record is never valid");
    }

    [Fact]
    public async Task TokenIssuedByA_IsAcceptedOnB_AndAForgedOneIsNot()
    {
        await using var cluster = await ScaleOutCluster.StartAsync(server);
        var started = await cluster.A.StartGenerationAsync(cluster.A.CreateClient());
        var client = cluster.B.CreateClient();
        var forged = started.SseToken[..^2] + (started.SseToken[^2..] == "AA" ? "BB" : "AA");

        using var genuine = await client.SendAsync(HttpMethod.Get, started.StatusUrl, started.SseToken);
        using var refused = await client.SendAsync(HttpMethod.Get, started.StatusUrl, forged);

        genuine.StatusCode.Should().Be(HttpStatusCode.OK);
        refused.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }
}
