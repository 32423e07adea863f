using Iteration.Streaming.Engine;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Records;
using Iteration.Streaming.ScaleOut;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.Tests.Engine;

/// <summary>What the engine asks of <see cref="IRunCoordinator"/> (the seam a shared store such as Redis fills) and how it obeys.</summary>
public sealed class RunCoordinationTests
{
    private readonly RecordingCoordinator _coordinator = new("node-1");

    [Fact]
    public async Task StartAsync_RecordsThisInstanceAsOwner_AndHoldsTheRunUntilItEnded()
    {
        await using var harness = Create();

        var id = await harness.Engine.StartAsync(new GenerationRequest("x", ["User"]));
        var record = await Records(harness).GetAsync(id);
        var heldWhileRunning = _coordinator.Stops.ContainsKey(id);
        var events = await harness.ReadToEndAsync(id);

        record!.Owner.Should().Be("node-1");
        heldWhileRunning.Should().BeTrue();
        events[^1].Status.Should().Be(GenerationStatus.Completed);
        await _coordinator.Released[id].Task.WithPatience();
    }

    [Fact]
    public async Task StopRequestedElsewhere_EndsTheRunCancelled()
    {
        await using var harness = Create();
        var gate = harness.Generator.StopAt(phase: 1, fileIndex: 0);
        var id = await harness.Engine.StartAsync(new GenerationRequest("x"));
        await gate.Reached.WithPatience();

        _coordinator.Stops[id](RunSignal.CancelRequested);
        var events = await harness.ReadToEndAsync(id);

        events[^1].Status.Should().Be(GenerationStatus.Cancelled);
    }

    [Fact]
    public async Task OwnershipLost_StopsTheRunWithoutAppendingAndFreesItsSlot()
    {
        await using var harness = Create(maxConcurrent: 1);
        var gate = harness.Generator.StopAt(phase: 1, fileIndex: 0);
        var id = await harness.Engine.StartAsync(new GenerationRequest("x"));
        await gate.Reached.WithPatience();
        var before = await harness.Log.GetLatestAsync(id);

        _coordinator.Stops[id](RunSignal.OwnershipLost);
        await _coordinator.Released[id].Task.WithPatience();
        var after = await harness.Log.GetLatestAsync(id);
        harness.Generator.BeforeFile = null;
        var next = await harness.CompleteGenerationAsync();

        after!.Sequence.Should().Be(before!.Sequence, "the instance that took the run over appended its terminal event");
        after.IsTerminal.Should().BeFalse();
        harness.Internal.RunningCount.Should().Be(0);
        next.Should().NotBe(id);
    }

    [Fact]
    public async Task OwnershipLost_WhileQueued_EndsItWithoutAppending()
    {
        await using var harness = Create(maxConcurrent: 1);
        var gate = harness.Generator.StopAt(phase: 1, fileIndex: 0);
        var running = await harness.Engine.StartAsync(new GenerationRequest("x"));
        await gate.Reached.WithPatience();
        var queued = await harness.Engine.StartAsync(new GenerationRequest("y"));

        _coordinator.Stops[queued](RunSignal.OwnershipLost);
        await _coordinator.Released[queued].Task.WithPatience();
        var latest = await harness.Log.GetLatestAsync(queued);

        latest!.Event.Status.Should().Be(GenerationStatus.Queued);
        harness.Internal.QueuedCount.Should().Be(0);
        gate.Release();
        (await harness.ReadToEndAsync(running))[^1].Status.Should().Be(GenerationStatus.Completed);
    }

    [Fact]
    public async Task CancelAsync_OfARunOnAnotherInstance_IsPassedToTheCoordinator()
    {
        await using var harness = Create();
        var remote = TestEvents.NewId();
        _coordinator.RunningElsewhere.Add(remote);
        await harness.Provider.GetRequiredService<IGenerationRecordStore>().AddAsync(new GenerationRecord
        {
            GenerationId = remote,
            Prompt = "x",
            Entities = [],
            Status = GenerationStatus.Processing,
            CreatedAt = TestEvents.Epoch,
            Owner = "other",
        });

        var cancelled = await harness.Engine.CancelAsync(remote);
        var unknown = () => harness.Engine.CancelAsync(TestEvents.NewId()).AsTask();

        cancelled.Should().BeTrue();
        await unknown.Should().ThrowAsync<GenerationNotFoundException>();
        _coordinator.CancelRequests.Should().Equal(remote);
    }

    [Fact]
    public async Task CancelAsync_OfALocalRun_DoesNotAskTheCoordinator()
    {
        await using var harness = Create();
        var gate = harness.Generator.StopAt(phase: 1, fileIndex: 0);
        var id = await harness.Engine.StartAsync(new GenerationRequest("x"));
        await gate.Reached.WithPatience();

        (await harness.Engine.CancelAsync(id)).Should().BeTrue();

        _coordinator.CancelRequests.Should().BeEmpty();
    }

    [Fact]
    public async Task SavedPhases_AreCountedInTheRecord()
    {
        await using var harness = Create();

        var id = await harness.CompleteGenerationAsync("User");
        var record = await Records(harness).GetAsync(id);
        var manifest = await harness.Sink.GetManifestAsync(id);

        record!.FileCount.Should().Be(manifest!.Files.Count).And.BeGreaterThan(0);
        record.TotalBytes.Should().Be(manifest.TotalBytes);
    }

    private EngineHarness Create(int maxConcurrent = 4) => EngineHarness.Create(
        configure: o => o.MaxConcurrentGenerations = maxConcurrent,
        build: b => b.Services.AddSingleton<IRunCoordinator>(_coordinator));

    private static IGenerationRecordStore Records(EngineHarness harness) => harness.Provider.GetRequiredService<IGenerationRecordStore>();
}
