using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Tests.Engine;

public sealed class QueueingTests
{
    private static EngineHarness TwoSlots(int maxQueued = 2) =>
        EngineHarness.Create(configure: o =>
        {
            o.MaxConcurrentGenerations = 2;
            o.MaxQueuedGenerations = maxQueued;
        });

    /// <summary>Blocks the first <paramref name="count"/> runs to reach the generator, each at its first file; gate i is the i-th run's.</summary>
    private static List<Gate> BlockRuns(EngineHarness harness, int count)
    {
        var gates = Enumerable.Range(0, count).Select(_ => new Gate()).ToList();
        var assigned = new Dictionary<string, Gate?>();
        harness.Generator.BeforeFile = (context, index, token) =>
        {
            Gate? gate;
            lock (assigned)
            {
                if (!assigned.TryGetValue(context.GenerationId, out gate))
                {
                    gate = assigned[context.GenerationId] = assigned.Count < count ? gates[assigned.Count] : null;
                }
            }

            return gate is null || index > 0 || context.Phase.Number > 1 ? Task.CompletedTask : gate.PassAsync(token);
        };
        return gates;
    }

    [Fact]
    public async Task BeyondTheConcurrencyLimit_RunsWaitAsQueued_WithTheirPositionInTheMessage()
    {
        await using var harness = TwoSlots();
        var gates = BlockRuns(harness, 2);
        var first = await harness.Engine.StartAsync(new GenerationRequest("one"));
        var second = await harness.Engine.StartAsync(new GenerationRequest("two"));

        var third = await harness.Engine.StartAsync(new GenerationRequest("three"));
        var fourth = await harness.Engine.StartAsync(new GenerationRequest("four"));

        var thirdFirst = (await harness.Log.GetLatestAsync(third))!.Event;
        var fourthFirst = (await harness.Log.GetLatestAsync(fourth))!.Event;
        thirdFirst.Should().Match<StreamingProgressEvent>(e => e.Status == GenerationStatus.Queued && e.Stage == GenerationStages.Queued && e.Progress == 0.0);
        thirdFirst.Message.Should().Be("Waiting for a free generation slot (position 1 in the queue)");
        fourthFirst.Message.Should().Be("Waiting for a free generation slot (position 2 in the queue)");
        harness.Internal.RunningCount.Should().Be(2);
        harness.Internal.QueuedCount.Should().Be(2);

        foreach (var gate in gates)
        {
            gate.Release();
        }

        foreach (var id in new[] { first, second, third, fourth })
        {
            (await harness.ReadToEndAsync(id))[^1].Status.Should().Be(GenerationStatus.Completed);
        }

        harness.Internal.RunningCount.Should().Be(0);
        harness.Internal.QueuedCount.Should().Be(0);
    }

    [Fact]
    public async Task QueuedRuns_StartInOrder_WhenASlotFrees()
    {
        await using var harness = EngineHarness.Create(configure: o => o.MaxConcurrentGenerations = 1);
        var gates = BlockRuns(harness, 1);
        var first = await harness.Engine.StartAsync(new GenerationRequest("one"));
        await gates[0].Reached.WithPatience();
        var queued = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            queued.Add(await harness.Engine.StartAsync(new GenerationRequest($"queued {i}")));
        }

        gates[0].Release();
        foreach (var id in queued)
        {
            await harness.ReadToEndAsync(id);
        }

        harness.Generator.Calls.Select(c => c.GenerationId).Distinct().Should().Equal([first, .. queued]);
    }

    [Fact]
    public async Task AQueuedRun_GoesOnFromQueuedToInitializing()
    {
        await using var harness = EngineHarness.Create(configure: o => o.MaxConcurrentGenerations = 1);
        var gates = BlockRuns(harness, 1);
        var first = await harness.Engine.StartAsync(new GenerationRequest("one"));
        var second = await harness.Engine.StartAsync(new GenerationRequest("two"));

        gates[0].Release();
        await harness.ReadToEndAsync(first);
        var events = await harness.ReadToEndAsync(second);

        events.Select(e => e.Stage).Take(3).Should().Equal("queued", "initializing", "code_generation");
        events[^1].Status.Should().Be(GenerationStatus.Completed);
    }

    [Fact]
    public async Task WhenTheQueueIsFull_StartAsync_ThrowsGenerationCapacity()
    {
        await using var harness = TwoSlots(maxQueued: 1);
        var gates = BlockRuns(harness, 2);
        await harness.Engine.StartAsync(new GenerationRequest("one"));
        await harness.Engine.StartAsync(new GenerationRequest("two"));
        await harness.Engine.StartAsync(new GenerationRequest("three"));

        var act = async () => await harness.Engine.StartAsync(new GenerationRequest("four"));

        await act.Should().ThrowAsync<GenerationCapacityException>().WithMessage("*MaxQueuedGenerations*");
        foreach (var gate in gates)
        {
            gate.Release();
        }
    }

    [Fact]
    public async Task WithNoQueueAllowed_RunsBeyondTheLimit_AreRefusedAtOnce()
    {
        await using var harness = EngineHarness.Create(configure: o =>
        {
            o.MaxConcurrentGenerations = 1;
            o.MaxQueuedGenerations = 0;
        });
        var gates = BlockRuns(harness, 1);
        var first = await harness.Engine.StartAsync(new GenerationRequest("one"));

        var act = async () => await harness.Engine.StartAsync(new GenerationRequest("two"));

        await act.Should().ThrowAsync<GenerationCapacityException>();
        gates[0].Release();
        await harness.ReadToEndAsync(first);
        (await harness.Engine.StartAsync(new GenerationRequest("after"))).Should().NotBeNullOrEmpty("the slot is free again");
    }

    [Fact]
    public async Task AQueuedRun_IsNotWatchedByTheStallWatchdog()
    {
        await using var harness = EngineHarness.Create(configure: o => o.MaxConcurrentGenerations = 1);
        var gates = BlockRuns(harness, 1);
        var blocked = await harness.Engine.StartAsync(new GenerationRequest("stalls"));
        await gates[0].Reached.WithPatience();
        var waiting = await harness.Engine.StartAsync(new GenerationRequest("waits"));

        harness.Clock.Advance(TimeSpan.FromMinutes(5));

        (await harness.ReadToEndAsync(blocked))[^1].Stage.Should().Be(GenerationStages.Timeout);
        (await harness.ReadToEndAsync(waiting))[^1].Status.Should().Be(GenerationStatus.Completed);
    }
}
