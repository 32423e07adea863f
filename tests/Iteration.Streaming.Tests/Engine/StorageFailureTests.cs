using Iteration.Streaming.Engine;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Records;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.Tests.Engine;

/// <summary>
/// A store and a sink that refuse writes (as a full disk does) under the real engine on the fake clock: watchers are told
/// <c>storage_unavailable</c> from memory, starts are refused with a typed exception, and the next start repairs the run.
/// </summary>
public sealed class StorageFailureTests
{
    private readonly SharedStores _stores = new();
    private readonly StorageFullSwitch _full = new();

    private EngineHarness Host(Action<IterationStreamingOptions>? configure = null) => EngineHarness.Create(configure: configure, build: b =>
    {
        _stores.Register(b);
        b.Services.Replace(ServiceDescriptor.Singleton<IGenerationRecordStore>(new FailingRecordStore(_stores.Records, _full)));
        b.Services.Replace(ServiceDescriptor.Singleton<IGenerationEventLog>(new FailingEventLog(_stores.Log, _full)));
        b.Services.Replace(ServiceDescriptor.Singleton<IFileSink>(new FailingFileSink(_stores.Sink, _full)));
    });

    /// <summary>Starts a run, fills the disk while phase 2 is under way, and returns the run's id and the last stored event.</summary>
    private async Task<(string Id, EventLogEntry LastStored)> FillTheDiskDuringPhase2Async(EngineHarness host)
    {
        var gate = host.Generator.StopAt(phase: 2, fileIndex: 1);
        var id = await host.Engine.StartAsync(new GenerationRequest("Build a todo app", ["User"]));
        await gate.Reached.WithPatience();
        _full.IsFull = true;
        var lastStored = (await _stores.Log.GetLatestAsync(id))!;
        gate.Release();
        return (id, lastStored);
    }

    [Fact]
    public async Task RunWhoseProgressCannotBeStored_EndsItsWatchersStreamWithStorageUnavailable_NumberedAfterTheLog()
    {
        await using var host = Host();
        var gate = host.Generator.StopAt(phase: 2, fileIndex: 1);
        var id = await host.Engine.StartAsync(new GenerationRequest("Build a todo app", ["User"]));
        await gate.Reached.WithPatience();
        await using var watcher = await host.Engine.WatchAsync(id);
        _full.IsFull = true;
        var lastStored = (await _stores.Log.GetLatestAsync(id))!;

        gate.Release();
        var entries = await watcher.ReadAllAsync().ToListAsync().AsTask().WithPatience();

        var end = entries[^1];
        end.Sequence.Should().Be(lastStored.Sequence + 1);
        end.IsTerminal.Should().BeTrue();
        end.Event.Status.Should().Be(GenerationStatus.Failed);
        end.Event.Stage.Should().Be("storage_unavailable");
        end.Event.Error.Should().StartWith("The server could not save the generation's progress").And.NotContain("Test storage");
        end.Event.Message.Should().Be("Generation failed: " + end.Event.Error);
        entries.SkipLast(1).Select(e => e.Sequence).Should().Equal(Enumerable.Range(1, (int)lastStored.Sequence).Select(i => (long)i));
    }

    [Fact]
    public async Task SnapshotOfARunWhoseEndCannotBeStored_ReportsFailedFromMemory()
    {
        await using var host = Host();
        var (id, lastStored) = await FillTheDiskDuringPhase2Async(host);
        await host.ReadToEndAsync(id);

        var snapshot = await host.Engine.GetSnapshotAsync(id);

        snapshot.Status.Should().Be(GenerationStatus.Failed);
        snapshot.LastEventId.Should().Be(lastStored.Sequence + 1);
        snapshot.LastEvent!.Stage.Should().Be("storage_unavailable");
        (await _stores.Records.GetAsync(id))!.Status.Should().Be(GenerationStatus.Processing, "nothing was stored: the run is unfinished on record");
    }

    [Fact]
    public async Task WatchAtTheEndReportedFromMemory_IsAlreadyComplete()
    {
        await using var host = Host();
        var (id, lastStored) = await FillTheDiskDuringPhase2Async(host);
        await host.ReadToEndAsync(id);

        await using var pastTheEnd = await host.Engine.WatchAsync(id, lastStored.Sequence + 1);
        await using var beforeTheEnd = await host.Engine.WatchAsync(id, lastStored.Sequence);

        pastTheEnd.IsAlreadyComplete.Should().BeTrue();
        var rest = await beforeTheEnd.ReadAllAsync().ToListAsync().AsTask().WithPatience();
        rest.Should().ContainSingle().Which.Event.Stage.Should().Be("storage_unavailable");
    }

    [Fact]
    public async Task NextStart_WithStorageBack_ResumesTheRunFromItsSavedPhases_AndItCompletes()
    {
        string id;
        EventLogEntry lastStored;
        await using (var before = Host())
        {
            (id, lastStored) = await FillTheDiskDuringPhase2Async(before);
            await before.ReadToEndAsync(id);
        }

        _full.IsFull = false;
        await using var after = Host();
        var resumed = await after.Internal.Recovery.ResumeInterruptedAsync(CancellationToken.None);
        await using var subscription = await _stores.Log.SubscribeAsync(id);
        var entries = await subscription.ReadAllAsync().ToListAsync().AsTask().WithPatience();

        resumed.Should().Be(1);
        entries.Select(e => e.Sequence).Should().Equal(Enumerable.Range(1, entries.Count).Select(i => (long)i), "the ids stay contiguous");
        entries.Single(e => e.Sequence == lastStored.Sequence + 1).Event.Stage.Should().Be(GenerationStages.Resumed, "the resumed event takes the id of the end that was only in memory");
        entries[^1].Event.Status.Should().Be(GenerationStatus.Completed);
        entries.Count(e => e.Event.Stage == "phase_1_complete").Should().Be(1, "the saved phase is not generated again");
        after.Generator.Calls.Select(c => c.Phase.Number).Should().Equal(2, 3, 4);
    }

    [Fact]
    public async Task StartAsync_WhenStorageRefusesTheRecord_ThrowsGenerationStorageUnavailable()
    {
        await using var host = Host();
        _full.IsFull = true;

        var start = async () => await host.Engine.StartAsync(new GenerationRequest("Build a todo app", ["User"]));

        await start.Should().ThrowAsync<GenerationStorageUnavailableException>();
        host.Provider.GetRequiredService<GenerationStorageHealth>().GetStatus(GenerationStoragePart.Records).IsFailing.Should().BeTrue();
    }

    [Fact]
    public async Task RunWhoseProgressCannotBeStored_ReportsARecordsFailureToStorageHealth()
    {
        await using var host = Host();
        var (id, _) = await FillTheDiskDuringPhase2Async(host);
        await host.ReadToEndAsync(id);

        var health = host.Provider.GetRequiredService<GenerationStorageHealth>();

        health.GetStatus(GenerationStoragePart.Records).IsFailing.Should().BeTrue("the first refused write of phase 2 was its next event");
        health.GetStatus(GenerationStoragePart.Records).FailureCount.Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task RunAsync_Inline_WhenItsEndCannotBeStored_EndsWithStorageUnavailable()
    {
        await using var host = Host();
        var gate = host.Generator.StopAt(phase: 2, fileIndex: 1);
        var events = new List<StreamingProgressEvent>();

        var reading = Task.Run(async () =>
        {
            await foreach (var e in host.Engine.RunAsync(new GenerationRequest("Build a todo app", ["User"])))
            {
                events.Add(e);
            }
        });
        await gate.Reached.WithPatience();
        _full.IsFull = true;
        gate.Release();
        await reading.WithPatience();

        events[^1].Stage.Should().Be("storage_unavailable");
    }

    [Fact]
    public async Task CancelAsync_OfARunEndedUnstored_OnceStorageIsBack_StoresCancelledInPlaceOfTheEndInMemory()
    {
        await using var host = Host();
        var (id, lastStored) = await FillTheDiskDuringPhase2Async(host);
        await host.ReadToEndAsync(id);
        _full.IsFull = false;

        var cancelled = await host.Engine.CancelAsync(id);
        var snapshot = await host.Engine.GetSnapshotAsync(id);

        cancelled.Should().BeTrue();
        snapshot.Status.Should().Be(GenerationStatus.Cancelled);
        snapshot.LastEventId.Should().Be(lastStored.Sequence + 1, "the stored end takes the number the end in memory had");
        (await _stores.Records.GetAsync(id))!.Status.Should().Be(GenerationStatus.Cancelled, "it is not resumed at the next start");
    }

    [Fact]
    public async Task SnapshotOfARunEndedUnstored_OnceTheLogMovedPastTheEnd_ReadsTheLogAgain()
    {
        await using var host = Host();
        var (id, lastStored) = await FillTheDiskDuringPhase2Async(host);
        await host.ReadToEndAsync(id);
        _full.IsFull = false;

        // Another instance resumed it meanwhile (a shared store): its resumed event takes the number.
        await _stores.Log.AppendAsync(new StreamingProgressEvent
        {
            GenerationId = id,
            Status = GenerationStatus.Processing,
            Stage = GenerationStages.Resumed,
            Progress = 0.5,
            Message = "Resumed on another instance",
            Timestamp = host.Clock.GetUtcNow(),
        });
        var snapshot = await host.Engine.GetSnapshotAsync(id);

        snapshot.Status.Should().Be(GenerationStatus.Processing);
        snapshot.LastEventId.Should().Be(lastStored.Sequence + 1);
        snapshot.LastEvent!.Stage.Should().Be(GenerationStages.Resumed);
    }
}
