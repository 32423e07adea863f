using Iteration.Streaming.Engine;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Tests.Engine;

public sealed class CancellationTests
{
    [Theory]
    [InlineData(SinkKind.InMemory)]
    [InlineData(SinkKind.FileSystem)]
    public async Task CancelAsync_MidPhase_EndsCancelled_KeepingProgressAndSavedFiles(SinkKind sink)
    {
        await using var harness = EngineHarness.Create(sink);
        var gate = harness.Generator.StopAt(phase: 2, fileIndex: 1);
        var id = await harness.Engine.StartAsync(new GenerationRequest("x", ["User"]));
        await gate.Reached.WithPatience();
        var before = (await harness.Log.GetLatestAsync(id))!.Event;

        var cancelled = await harness.Engine.CancelAsync(id);
        var events = await harness.ReadToEndAsync(id);

        cancelled.Should().BeTrue();
        before.Stage.Should().Be("phase_2_progress");
        events[^1].Should().Match<StreamingProgressEvent>(e =>
            e.Status == GenerationStatus.Cancelled && e.Stage == GenerationStages.Cancelled && e.Message == "Generation cancelled" && e.Error == null);
        events[^1].Progress.Should().Be(before.Progress);
        events.Should().NotContain(e => e.Stage == "phase_2_complete");
        var manifest = await harness.Sink.GetManifestAsync(id);
        manifest!.Files.Should().HaveCount(5).And.OnlyContain(f => f.Phase == 1, "phase 1 was saved; phase 2 never finished");
        manifest.IsComplete.Should().BeFalse();
    }

    [Fact]
    public async Task CancelAsync_FiresTheGeneratorsToken()
    {
        await using var harness = EngineHarness.Create();
        var gate = new Gate();
        CancellationToken seen = default;
        harness.Generator.BeforeFile = (context, index, token) =>
        {
            seen = token;
            return gate.PassAsync(token);
        };
        var id = await harness.Engine.StartAsync(new GenerationRequest("x"));
        await gate.Reached.WithPatience();

        await harness.Engine.CancelAsync(id);
        await harness.ReadToEndAsync(id);

        seen.IsCancellationRequested.Should().BeTrue();
    }

    [Fact]
    public async Task CancelAsync_AGeneratorThatIgnoresItsToken_StillEndsTheRun()
    {
        await using var harness = EngineHarness.Create();
        var gate = harness.Generator.StopAt(phase: 1, fileIndex: 0, ignoreCancellation: true);
        var id = await harness.Engine.StartAsync(new GenerationRequest("x"));
        await gate.Reached.WithPatience();

        await harness.Engine.CancelAsync(id);
        var events = await harness.ReadToEndAsync(id);
        gate.Release();

        events[^1].Status.Should().Be(GenerationStatus.Cancelled);
    }

    [Fact]
    public async Task CancelAsync_AQueuedRun_EndsItWithoutEverRunningIt()
    {
        await using var harness = EngineHarness.Create(configure: o => o.MaxConcurrentGenerations = 1);
        var gate = harness.Generator.StopAt(phase: 1, fileIndex: 0);
        var running = await harness.Engine.StartAsync(new GenerationRequest("runs"));
        await gate.Reached.WithPatience();
        var queued = await harness.Engine.StartAsync(new GenerationRequest("waits"));

        var cancelled = await harness.Engine.CancelAsync(queued);
        gate.Release();
        await harness.ReadToEndAsync(running);

        cancelled.Should().BeTrue();
        (await harness.ReadToEndAsync(queued)).Select(e => (e.Status, e.Stage)).Should().Equal(
            (GenerationStatus.Queued, GenerationStages.Queued),
            (GenerationStatus.Cancelled, GenerationStages.Cancelled));
        harness.Generator.Calls.Should().NotContain(c => c.GenerationId == queued);
        harness.Internal.QueuedCount.Should().Be(0);
    }

    [Fact]
    public async Task CancelAsync_AfterTheRunEnded_ReturnsFalse()
    {
        await using var harness = EngineHarness.Create();
        var id = await harness.CompleteGenerationAsync();

        (await harness.Engine.CancelAsync(id)).Should().BeFalse();
        (await harness.ReadToEndAsync(id))[^1].Status.Should().Be(GenerationStatus.Completed);
    }

    [Fact]
    public async Task CancelAsync_Twice_SecondCallDoesNotChangeTheOutcome()
    {
        await using var harness = EngineHarness.Create();
        var gate = harness.Generator.StopAt(phase: 1, fileIndex: 0);
        var id = await harness.Engine.StartAsync(new GenerationRequest("x"));
        await gate.Reached.WithPatience();

        await harness.Engine.CancelAsync(id);
        var events = await harness.ReadToEndAsync(id);
        var again = await harness.Engine.CancelAsync(id);

        again.Should().BeFalse();
        events.Count(e => e.IsTerminal).Should().Be(1);
    }

    [Theory]
    [InlineData("00000000-0000-0000-0000-000000000000")]
    [InlineData("../etc/passwd")]
    [InlineData("")]
    public async Task CancelAsync_UnknownGeneration_ThrowsGenerationNotFound(string id)
    {
        await using var harness = EngineHarness.Create();

        var act = async () => await harness.Engine.CancelAsync(id);

        await act.Should().ThrowAsync<GenerationNotFoundException>();
    }

    [Fact]
    public async Task CancelAsync_NullId_Throws()
    {
        await using var harness = EngineHarness.Create();

        var act = async () => await harness.Engine.CancelAsync(null!);

        await act.Should().ThrowAsync<ArgumentNullException>();
    }

    [Fact]
    public async Task AWatcherLeaving_NeverCancelsTheRun()
    {
        await using var harness = EngineHarness.Create();
        var gate = harness.Generator.StopAt(phase: 1, fileIndex: 0);
        var id = await harness.Engine.StartAsync(new GenerationRequest("x"));
        using (var stop = new CancellationTokenSource())
        {
            var subscription = await harness.Engine.WatchAsync(id);
            await using (subscription)
            {
                subscription.TryRead(out _).Should().BeTrue();
                await stop.CancelAsync();
                var waiting = async () => await subscription.ReadAllAsync(stop.Token).ToListAsync();
                await waiting.Should().ThrowAsync<OperationCanceledException>();
            }
        }

        gate.Release();

        (await harness.ReadToEndAsync(id))[^1].Status.Should().Be(GenerationStatus.Completed);
    }
}
