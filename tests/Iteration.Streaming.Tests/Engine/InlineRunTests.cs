using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.Generation;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Tests.Engine;

public sealed class InlineRunTests
{
    [Fact]
    public async Task RunAsync_YieldsTheRunsEventsUpToTheTerminalOne_AsTheLogHasThem()
    {
        await using var harness = EngineHarness.Create();

        var events = await harness.Engine.RunAsync(new GenerationRequest("x", ["User"])).ToListAsync().AsTask().WithPatience();

        events[0].Stage.Should().Be(GenerationStages.Initializing);
        events[^1].Status.Should().Be(GenerationStatus.Completed);
        (await harness.ReadToEndAsync(events[0].GenerationId)).Should().Equal(events);
    }

    [Fact]
    public async Task RunAsync_Cancelled_YieldsTheCancelledEvent_ThenThrows()
    {
        await using var harness = EngineHarness.Create();
        var gate = harness.Generator.StopAt(phase: 1, fileIndex: 1);
        using var cancellation = new CancellationTokenSource();
        var seen = new List<StreamingProgressEvent>();

        var act = async () =>
        {
            await foreach (var e in harness.Engine.RunAsync(new GenerationRequest("x"), cancellation.Token))
            {
                seen.Add(e);
                if (e.Stage == "phase_1_progress")
                {
                    await gate.Reached;
                    await cancellation.CancelAsync();
                }
            }
        };

        await act.Should().ThrowAsync<OperationCanceledException>();
        seen[^1].Status.Should().Be(GenerationStatus.Cancelled);
        (await harness.ReadToEndAsync(seen[0].GenerationId))[^1].Status.Should().Be(GenerationStatus.Cancelled);
    }

    [Fact]
    public async Task RunAsync_CallerStopsReading_CancelsTheRun()
    {
        await using var harness = EngineHarness.Create();
        var gate = harness.Generator.StopAt(phase: 1, fileIndex: 0);

        var first = await harness.Engine.RunAsync(new GenerationRequest("x")).FirstAsync().AsTask().WithPatience();

        (await harness.ReadToEndAsync(first.GenerationId))[^1].Status.Should().Be(GenerationStatus.Cancelled);
        gate.Release();
    }

    [Fact]
    public async Task RunAsync_RespectsTheConcurrencyLimit()
    {
        await using var harness = EngineHarness.Create(configure: o => o.MaxConcurrentGenerations = 1);
        var gate = harness.Generator.StopAt(phase: 1, fileIndex: 0);
        var background = await harness.Engine.StartAsync(new GenerationRequest("x"));
        await gate.Reached.WithPatience();

        var inline = harness.Engine.RunAsync(new GenerationRequest("y")).ToListAsync().AsTask();
        var backgroundEvents = harness.ReadToEndAsync(background);
        gate.Release();
        var events = await inline.WithPatience();
        await backgroundEvents;

        events[0].Status.Should().Be(GenerationStatus.Queued);
        events[^1].Status.Should().Be(GenerationStatus.Completed);
    }

    [Fact]
    public async Task RunAsync_AFailure_EndsTheEnumerationWithTheFailedEvent()
    {
        await using var harness = EngineHarness.Create();
        harness.Generator.Files = _ => throw new GenerationFailedException("no model");

        var events = await harness.Engine.RunAsync(new GenerationRequest("x")).ToListAsync().AsTask().WithPatience();

        events[^1].Should().Match<StreamingProgressEvent>(e => e.Status == GenerationStatus.Failed && e.Error == "no model");
    }
}
