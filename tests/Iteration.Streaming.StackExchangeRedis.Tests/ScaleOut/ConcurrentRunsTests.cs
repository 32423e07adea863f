using Iteration.Streaming.Events;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Iteration.Streaming.TestHost;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.StackExchangeRedis.Tests.ScaleOut;

[Collection(RedisCollection.Name)]
public sealed class ConcurrentRunsTests(RedisServerFixture server)
{
    [Fact]
    public async Task TwoHundredRuns_StartedOnBothHosts_AllCompleteWithCorrectSequences_WatchedOnTheOtherHost()
    {
        const int Runs = 200;
        var generator = new InstantPhaseGenerator { FilesPerPhase = 1 };
        await using var cluster = await ScaleOutCluster.StartAsync(server, generator, generator);
        var hosts = new[] { cluster.A, cluster.B };
        var clients = hosts.Select(h => h.CreateClient()).ToArray();

        var results = await Task.WhenAll(Enumerable.Range(0, Runs).Select(async i =>
        {
            var owner = i % 2;
            var started = await hosts[owner].StartGenerationAsync(clients[owner], prompt: $"Run {i}");
            using var stream = await clients[1 - owner].GetStreamAsync(started.GenerationId, started.SseToken);
            return (started.GenerationId, Events: await stream.ReadAllEventsAsync());
        })).WithPatience();

        results.Select(r => r.GenerationId).Should().OnlyHaveUniqueItems();
        results.Should().AllSatisfy(run =>
        {
            run.Events.ShouldBeContiguousFromOne();
            run.Events.Select(e => e.ToProgressEvent()).Should().OnlyContain(e => e.GenerationId == run.GenerationId);
            run.Events[^1].ToProgressEvent().Status.Should().Be(GenerationStatus.Completed);
            run.Events.Select(e => e.ToProgressEvent().Stage).Should().ContainInOrder(
                GenerationStages.Initializing, GenerationStages.PhasedGenerationStarted, GenerationStages.PhaseComplete(4), GenerationStages.Completed);
        });
    }
}
