using Iteration.Streaming.Engine;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Tests.Engine;

public sealed class ShutdownTests
{
    private static async Task<List<StreamingProgressEvent>> ReadAsync(IGenerationEventLog log, string id)
    {
        await using var subscription = await log.SubscribeAsync(id);
        return await subscription.ReadEventsAsync().ToListAsync().AsTask().WithPatience();
    }

    [Fact]
    public async Task DisposeAsync_EndsRunningAndQueuedRunsWithATerminalEvent()
    {
        await using var harness = EngineHarness.Create(configure: o => o.MaxConcurrentGenerations = 1);
        var gate = harness.Generator.StopAt(phase: 1, fileIndex: 0);
        var engine = harness.Engine;
        var log = harness.Log;
        var running = await engine.StartAsync(new GenerationRequest("runs"));
        await gate.Reached.WithPatience();
        var queued = await engine.StartAsync(new GenerationRequest("waits"));

        await ((IAsyncDisposable)engine).DisposeAsync().AsTask().WithPatience();

        foreach (var id in new[] { running, queued })
        {
            var last = (await ReadAsync(log, id))[^1];
            last.Status.Should().Be(GenerationStatus.Cancelled);
            last.Message.Should().Be("Generation cancelled: the host is shutting down");
        }

        harness.Generator.Calls.Should().NotContain(c => c.GenerationId == queued);
    }

    [Fact]
    public async Task DisposeAsync_WaitsForAGeneratorIgnoringItsToken_NoLongerThanTheRunItself()
    {
        await using var harness = EngineHarness.Create();
        var gate = harness.Generator.StopAt(phase: 1, fileIndex: 0, ignoreCancellation: true);
        var engine = harness.Engine;
        var id = await engine.StartAsync(new GenerationRequest("runs"));
        await gate.Reached.WithPatience();

        await ((IAsyncDisposable)engine).DisposeAsync().AsTask().WithPatience();

        (await ReadAsync(harness.Log, id))[^1].Status.Should().Be(GenerationStatus.Cancelled);
        gate.Release();
    }

    [Fact]
    public async Task AfterDispose_StartingIsRefused()
    {
        await using var harness = EngineHarness.Create();
        var engine = harness.Engine;
        await ((IAsyncDisposable)engine).DisposeAsync();

        var act = async () => await engine.StartAsync(new GenerationRequest("late"));

        await act.Should().ThrowAsync<ObjectDisposedException>();
    }

    [Fact]
    public async Task DisposingTheContainer_EndsRunningRuns()
    {
        var harness = EngineHarness.Create();
        var gate = harness.Generator.StopAt(phase: 1, fileIndex: 0);
        var log = harness.Log;
        var id = await harness.Engine.StartAsync(new GenerationRequest("runs"));
        await gate.Reached.WithPatience();

        await harness.DisposeAsync().AsTask().WithPatience();

        (await ReadAsync(log, id))[^1].Status.Should().Be(GenerationStatus.Cancelled);
    }

    [Fact]
    public async Task Dispose_Synchronously_CancelsRunsWithoutWaiting()
    {
        await using var harness = EngineHarness.Create();
        var gate = harness.Generator.StopAt(phase: 1, fileIndex: 0);
        var engine = (IDisposable)harness.Engine;
        var id = await harness.Engine.StartAsync(new GenerationRequest("runs"));
        await gate.Reached.WithPatience();

        engine.Dispose();

        (await ReadAsync(harness.Log, id))[^1].Status.Should().Be(GenerationStatus.Cancelled);
    }
}
