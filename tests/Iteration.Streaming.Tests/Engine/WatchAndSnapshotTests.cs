using Iteration.Streaming.Engine;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Retention;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.Tests.Engine;

public sealed class WatchAndSnapshotTests
{
    [Fact]
    public async Task WatchAsync_AfterTheRunEnded_ReplaysEverything()
    {
        await using var harness = EngineHarness.Create();
        var id = await harness.CompleteGenerationAsync();

        var replay = await harness.ReadToEndAsync(id);

        replay[0].Stage.Should().Be(GenerationStages.Initializing);
        replay[^1].Status.Should().Be(GenerationStatus.Completed);
    }

    [Fact]
    public async Task WatchAsync_AfterSequence_ResumesStrictlyAfterIt()
    {
        await using var harness = EngineHarness.Create();
        var id = await harness.CompleteGenerationAsync();

        await using var subscription = await harness.Engine.WatchAsync(id, afterSequence: 5);
        var entries = await subscription.ReadAllAsync().ToListAsync().AsTask().WithPatience();

        entries[0].Sequence.Should().Be(6);
        entries[^1].IsTerminal.Should().BeTrue();
    }

    [Fact]
    public async Task WatchAsync_AtTheTerminalEvent_IsAlreadyComplete()
    {
        await using var harness = EngineHarness.Create();
        var id = await harness.CompleteGenerationAsync();
        var last = (await harness.Log.GetLatestAsync(id))!.Sequence;

        await using var subscription = await harness.Engine.WatchAsync(id, afterSequence: last);

        subscription.IsAlreadyComplete.Should().BeTrue();
    }

    [Fact]
    public async Task WatchAsync_UnknownGeneration_ThrowsGenerationNotFound()
    {
        await using var harness = EngineHarness.Create();

        var act = async () => await harness.Engine.WatchAsync(Guid.NewGuid().ToString());

        await act.Should().ThrowAsync<GenerationNotFoundException>();
    }

    [Fact]
    public async Task WatchAsync_NegativeSequence_Throws()
    {
        await using var harness = EngineHarness.Create();
        var id = await harness.CompleteGenerationAsync();

        var act = async () => await harness.Engine.WatchAsync(id, afterSequence: -1);

        await act.Should().ThrowAsync<ArgumentOutOfRangeException>();
    }

    [Fact]
    public async Task GetSnapshotAsync_WhileRunning_ShowsTheLastEventAndTheFilesSavedSoFar()
    {
        await using var harness = EngineHarness.Create();
        var gate = harness.Generator.StopAt(phase: 2, fileIndex: 0);
        var id = await harness.Engine.StartAsync(new GenerationRequest("x", ["User"]));
        await gate.Reached.WithPatience();

        var snapshot = await harness.Engine.GetSnapshotAsync(id);
        gate.Release();
        await harness.ReadToEndAsync(id);

        snapshot.GenerationId.Should().Be(id);
        snapshot.Status.Should().Be(GenerationStatus.Processing);
        snapshot.LastEvent!.Stage.Should().Be("phase_2_started");
        snapshot.LastEventId.Should().Be((await harness.ReadToEndAsync(id)).FindIndex(e => e.Stage == "phase_2_started") + 1);
        snapshot.FileCount.Should().Be(5);
        snapshot.TotalBytes.Should().BePositive();
        snapshot.ParentGenerationId.Should().BeNull();
    }

    [Fact]
    public async Task GetSnapshotAsync_AfterAnIteration_ShowsTheParentAndTheFinalCounts()
    {
        await using var harness = EngineHarness.Create();
        var parent = await harness.CompleteGenerationAsync("User");
        var id = await harness.Engine.IterateAsync(new IterationRequest(parent, "again"));
        await harness.ReadToEndAsync(id);

        var snapshot = await harness.Engine.GetSnapshotAsync(id);

        snapshot.Status.Should().Be(GenerationStatus.Completed);
        snapshot.ParentGenerationId.Should().Be(parent);
        snapshot.FileCount.Should().Be(16);
        snapshot.LastEvent!.IsTerminal.Should().BeTrue();
    }

    [Fact]
    public async Task GetSnapshotAsync_OfAQueuedRun_SaysQueuedWithNoFiles()
    {
        await using var harness = EngineHarness.Create(configure: o => o.MaxConcurrentGenerations = 1);
        var gate = harness.Generator.StopAt(phase: 1, fileIndex: 0);
        await harness.Engine.StartAsync(new GenerationRequest("x"));
        await gate.Reached.WithPatience();
        var queued = await harness.Engine.StartAsync(new GenerationRequest("y"));

        var snapshot = await harness.Engine.GetSnapshotAsync(queued);
        gate.Release();

        snapshot.Status.Should().Be(GenerationStatus.Queued);
        snapshot.FileCount.Should().Be(0);
        snapshot.LastEventId.Should().Be(1);
    }

    [Theory]
    [InlineData("00000000-0000-0000-0000-000000000000")]
    [InlineData("../../etc/passwd")]
    [InlineData("")]
    public async Task GetSnapshotAsync_UnknownGeneration_ThrowsGenerationNotFound(string id)
    {
        await using var harness = EngineHarness.Create(SinkKind.FileSystem);

        var act = async () => await harness.Engine.GetSnapshotAsync(id);

        await act.Should().ThrowAsync<GenerationNotFoundException>();
    }

    [Fact]
    public async Task AfterTheRetentionPeriod_TheGenerationIsForgotten()
    {
        await using var harness = EngineHarness.Create(configure: o => o.RetainCompletedFor = TimeSpan.FromMinutes(10));
        var id = await harness.CompleteGenerationAsync();

        harness.Clock.Advance(TimeSpan.FromMinutes(10));
        var deleted = await harness.Provider.GetRequiredService<GenerationRetention>().SweepAsync(CancellationToken.None);

        deleted.Should().Be(1);
        var snapshot = async () => await harness.Engine.GetSnapshotAsync(id);
        await snapshot.Should().ThrowAsync<GenerationNotFoundException>();
        var cancel = async () => await harness.Engine.CancelAsync(id);
        await cancel.Should().ThrowAsync<GenerationNotFoundException>();
    }
}
