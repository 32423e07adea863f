using Iteration.Streaming.Events;

namespace Iteration.Streaming.Sample.Web.Tests.Durability;

public sealed class SigkillLoopTests
{
    [Fact]
    public async Task KilledAtRandomPoints30Times_EveryGenerationCompletes_WithEveryIdOnce_AndNoSavedPhaseGeneratedAgain()
    {
        var loop = new KillLoop(graceful: false, seed: 20261202);
        try
        {
            await loop.RunAsync(stops: 30);

            KillLoopAssertions.Verify(loop);
        }
        finally
        {
            loop.DeleteData();
        }
    }
}

public sealed class SigtermLoopTests
{
    [Fact]
    public async Task StoppedGracefullyAtRandomPoints30Times_NothingIsCancelled_AndEveryGenerationCompletes()
    {
        var loop = new KillLoop(graceful: true, seed: 1202);
        try
        {
            await loop.RunAsync(stops: 30);

            KillLoopAssertions.Verify(loop);
            loop.Watchers.SelectMany(w => w.Received).Should().NotContain(e => e.Event.Status == GenerationStatus.Cancelled);
        }
        finally
        {
            loop.DeleteData();
        }
    }
}

internal static class KillLoopAssertions
{
    public static void Verify(KillLoop loop)
    {
        loop.Watchers.Should().HaveCountGreaterThanOrEqualTo(4);
        foreach (var watcher in loop.Watchers)
        {
            var ids = watcher.Received.Select(e => e.Id).ToList();
            ids.Should().Equal(Enumerable.Range(1, ids.Count).Select(i => (long)i), $"watcher of {watcher.GenerationId} must see every id once, in order");
            watcher.Received[^1].Event.Status.Should().Be(GenerationStatus.Completed);
            var completes = watcher.Received.Where(e => e.Event.Stage.EndsWith("_complete", StringComparison.Ordinal)).Select(e => e.Event.Stage).ToList();
            completes.Should().OnlyHaveUniqueItems().And.HaveCount(5, "two entities: five phases, each completed once");
            watcher.Received.Select(e => e.Event.Progress).Should().BeInAscendingOrder();
        }

        loop.PhasesGeneratedAgain().Should().BeEmpty();
    }
}
