using Microsoft.Extensions.DependencyInjection;
using System.Text;
using Iteration.Streaming.Checkpoints;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Engine;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Tests.Engine;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Tests.Live;

/// <summary>A phase interrupted mid-file continues from its checkpoint (or says why it cannot), and a reader sees the file so far.</summary>
public sealed class CheckpointResumeTests
{
    private readonly SharedStores _stores = new();
    private readonly LiveScript _script = new() { FileLength = 1_000, Chunk = 100 };

    private EngineHarness Host(Action<IterationStreamingOptions>? configure = null, bool resumable = true) =>
        EngineHarness.Create(configure: configure, build: b =>
        {
            _stores.Register(b);
            b.AddPhaseGenerator(_ => resumable ? new LiveTextGenerator(_script) : new NonResumableLiveGenerator(_script));
        });

    /// <summary>Runs a generation until phase 2 has finished its first file and written 300 characters of its second, then stops the host.</summary>
    private async Task<string> InterruptMidFileAsync(Action<IterationStreamingOptions>? configure = null, bool resumable = true)
    {
        await using var before = Host(configure, resumable);
        _script.StopAtNext(phase: 2, file: 1, chars: 300);
        var id = await before.Engine.StartAsync(new GenerationRequest("Build a todo app", ["User"]));
        await _script.Reached.Task.WithPatience();
        await ((IAsyncDisposable)before.Engine).DisposeAsync().AsTask().WithPatience();
        return id;
    }

    private async Task<List<EventLogEntry>> ReadEntriesAsync(string id)
    {
        await using var subscription = await _stores.Log.SubscribeAsync(id);
        return await subscription.ReadAllAsync().ToListAsync().AsTask().WithPatience();
    }

    private async Task<IReadOnlyList<(string Path, string Hash)>> FilesAsync(IFileSink sink, string id) =>
        [.. (await sink.GetManifestAsync(id))!.Files.Select(f => (f.Path, f.Sha256))];

    private async Task<IReadOnlyList<(string Path, string Hash)>> UninterruptedFilesAsync()
    {
        await using var fresh = EngineHarness.Create(build: b => b.AddPhaseGenerator(_ => new LiveTextGenerator(new LiveScript { FileLength = 1_000, Chunk = 100 })));
        var reference = await fresh.CompleteGenerationAsync("User");
        return await FilesAsync(fresh.Sink, reference);
    }

    [Fact]
    public async Task Stop_MidFile_LeavesACheckpointWithTheFinishedFileTheTextSoFarAndTheResumeState()
    {
        var id = await InterruptMidFileAsync();

        var checkpoint = await _stores.Checkpoints.ReadAsync(id);
        var latest = await _stores.Log.GetLatestAsync(id);

        checkpoint.Should().NotBeNull();
        checkpoint!.Phase.Should().Be(2);
        checkpoint.Attempt.Should().Be(1);
        checkpoint.Files.Select(f => f.Path).Should().Equal(LiveScript.PathOf(2, 0));
        Encoding.UTF8.GetString(checkpoint.Files[0].Content.Span).Should().Be(_script.TextOf(2, 0));
        checkpoint.CurrentFile.Should().Be(LiveScript.PathOf(2, 1));
        checkpoint.CurrentText.Should().Be(_script.TextOf(2, 1)[..300]);
        checkpoint.ResumeState.ToArray().Should().Equal(LiveScript.State(2, 1, 300));
        checkpoint.Sequence.Should().Be(latest!.Sequence);
    }

    [Fact]
    public async Task ResumeAfterARestart_MidFile_ContinuesFromTheCheckpoint_AndSaysWhere()
    {
        var id = await InterruptMidFileAsync();
        var before = (await _stores.Log.GetLatestAsync(id))!.Sequence;

        await using var after = Host();
        await after.Internal.Recovery.ResumeInterruptedAsync(CancellationToken.None);
        var entries = await ReadEntriesAsync(id);

        entries.Select(e => e.Sequence).Should().Equal(Enumerable.Range(1, entries.Count).Select(i => (long)i));
        var resumed = entries.Single(e => e.Sequence == before + 1).Event;
        resumed.Stage.Should().Be(GenerationStages.Resumed);
        resumed.ResumedMidPhase.Should().BeEquivalentTo(new ResumedMidPhase { Phase = 2, File = LiveScript.PathOf(2, 1), Chars = 300, FilesKept = 1 });
        resumed.Message.Should().Be(
            "Resumed after a restart: phase 1 kept (2 files), continuing with phase 2. Phase 2 continues where it stopped: src/p2/f1.txt at 300 characters (1 file of the phase kept)");
        entries.Single(e => e.Sequence == before + 2).Event.Message.Should().Be("Phase 2 continues: User Entity (src/p2/f1.txt at 300 characters)");
        var prepared = _script.Prepared.Should().ContainSingle().Subject;
        prepared.Checkpoint!.CurrentText.Should().Be(_script.TextOf(2, 1)[..300]);
        prepared.Attempt.Should().Be(2);
        _script.Generated.Last(c => c.Phase.Number == 2).Checkpoint.Should().NotBeNull();
        var firstDelta = entries.Skip((int)before).First(e => e.Event.PartialOutput?.ContainsKey(LiveOutputKeys.Offset) == true).Event;
        firstDelta.PartialOutput![LiveOutputKeys.Offset].GetInt32().Should().Be(300);
        entries[^1].Event.Status.Should().Be(GenerationStatus.Completed);
        (await FilesAsync(_stores.Sink, id)).Should().Equal(await UninterruptedFilesAsync());
        (await _stores.Checkpoints.ReadAsync(id)).Should().BeNull("the phase was saved");
        entries.Select(e => e.Event.Progress).Should().BeInAscendingOrder();
    }

    [Fact]
    public async Task Resume_WhenTheGeneratorCannotContinue_GeneratesThePhaseAgain_AndTheResumedMessageSaysWhy()
    {
        var id = await InterruptMidFileAsync();
        _script.Decide = _ => PhaseResumeDecision.Restart("the model's response expired");

        await using var after = Host();
        await after.Internal.Recovery.ResumeInterruptedAsync(CancellationToken.None);
        var entries = await ReadEntriesAsync(id);

        var resumed = entries.Single(e => e.Event.Stage == GenerationStages.Resumed).Event;
        resumed.ResumedMidPhase.Should().BeNull();
        resumed.Message.Should().EndWith(". Phase 2 starts again from its beginning: the model's response expired");
        _script.Generated.Last(c => c.Phase.Number == 2).Checkpoint.Should().BeNull();
        entries[^1].Event.Status.Should().Be(GenerationStatus.Completed);
        (await FilesAsync(_stores.Sink, id)).Should().Equal(await UninterruptedFilesAsync());
    }

    [Fact]
    public async Task Resume_WithAGeneratorThatDoesNotContinuePhases_SaysSo()
    {
        var id = await InterruptMidFileAsync(resumable: false);

        await using var after = Host(resumable: false);
        await after.Internal.Recovery.ResumeInterruptedAsync(CancellationToken.None);
        var entries = await ReadEntriesAsync(id);

        entries.Single(e => e.Event.Stage == GenerationStages.Resumed).Event.Message
            .Should().EndWith(". Phase 2 starts again from its beginning: the generator does not continue an interrupted phase");
        entries[^1].Event.Status.Should().Be(GenerationStatus.Completed);
    }

    [Fact]
    public async Task Resume_AfterTheCheckpointOverflowed_GeneratesThePhaseAgain_AndSaysItPassedMaxBytes()
    {
        var big = new LiveScript { FileLength = 40_000, Chunk = 5_000 };
        var stores = new SharedStores();
        string bigId;
        await using (var before = EngineHarness.Create(configure: o => o.Checkpoints.MaxBytes = 64 * 1024, build: b => { stores.Register(b); b.AddPhaseGenerator(_ => new LiveTextGenerator(big)); }))
        {
            big.StopAtNext(phase: 1, file: 1, chars: 35_000);
            bigId = await before.Engine.StartAsync(new GenerationRequest("Build a todo app"));
            await big.Reached.Task.WithPatience();
            await ((IAsyncDisposable)before.Engine).DisposeAsync().AsTask().WithPatience();
        }

        var marker = await stores.Checkpoints.ReadAsync(bigId);
        await using var after = EngineHarness.Create(configure: o => o.Checkpoints.MaxBytes = 64 * 1024, build: b => { stores.Register(b); b.AddPhaseGenerator(_ => new LiveTextGenerator(big)); });
        await after.Internal.Recovery.ResumeInterruptedAsync(CancellationToken.None);
        var events = await after.ReadToEndAsync(bigId);

        marker!.Overflowed.Should().BeTrue();
        marker.CurrentText.Should().BeEmpty();
        events.Single(e => e.Stage == GenerationStages.Resumed).Message
            .Should().EndWith(". Phase 1 starts again from its beginning: its checkpoint passed Checkpoints:MaxBytes (65536 bytes), so none was kept");
        big.Prepared.Should().BeEmpty("an overflowed checkpoint is not offered to the generator");
        events[^1].Status.Should().Be(GenerationStatus.Completed);
    }

    [Fact]
    public async Task Resume_WithACorruptCheckpoint_IgnoresIt_AndSaysItWasNotValid()
    {
        var id = await InterruptMidFileAsync();
        await _stores.Checkpoints.WriteAsync(new PhaseCheckpointWrite
        {
            GenerationId = id,
            Phase = 2,
            Attempt = 1,
            Reset = true,
            Files = [GeneratedFile.FromText("../escape.txt", "x")],
        });

        await using var after = Host();
        await after.Internal.Recovery.ResumeInterruptedAsync(CancellationToken.None);
        var entries = await ReadEntriesAsync(id);

        entries.Single(e => e.Event.Stage == GenerationStages.Resumed).Event.Message
            .Should().EndWith(". Phase 2 starts again from its beginning: its checkpoint was not valid (a file path is not valid)");
        _script.Prepared.Should().BeEmpty();
        entries[^1].Event.Status.Should().Be(GenerationStatus.Completed);
        (await FilesAsync(_stores.Sink, id)).Should().Equal(await UninterruptedFilesAsync());
    }

    [Fact]
    public async Task Resume_WithACheckpointOfASavedPhase_IgnoresItWithoutAWord()
    {
        var id = await InterruptMidFileAsync();
        await _stores.Checkpoints.WriteAsync(new PhaseCheckpointWrite { GenerationId = id, Phase = 1, Attempt = 1, Reset = true, CurrentFile = "x.txt", Text = "stale" });

        await using var after = Host();
        await after.Internal.Recovery.ResumeInterruptedAsync(CancellationToken.None);
        var entries = await ReadEntriesAsync(id);

        var resumed = entries.Single(e => e.Event.Stage == GenerationStages.Resumed).Event;
        resumed.Message.Should().Be("Resumed after a restart: phase 1 kept (2 files), continuing with phase 2");
        resumed.ResumedMidPhase.Should().BeNull();
        _script.Prepared.Should().BeEmpty();
    }

    [Fact]
    public async Task Resume_WithAFileOfTheCheckpointLockedSince_GeneratesThePhaseAgain()
    {
        var id = await InterruptMidFileAsync();
        await _stores.Records.UpdateAsync(id, new Records.GenerationRecordUpdate
        {
            Steering = new Records.RunSteering { Revision = 1, LockedPaths = [LiveScript.PathOf(2, 0)] },
        });

        await using var after = Host();
        await after.Internal.Recovery.ResumeInterruptedAsync(CancellationToken.None);
        var entries = await ReadEntriesAsync(id);

        entries.Single(e => e.Event.Stage == GenerationStages.Resumed).Event.Message
            .Should().EndWith("starts again from its beginning: a file it had written was locked since");
    }

    [Fact]
    public async Task Resume_WithCheckpointsOff_WritesNoneAndGeneratesThePhaseAgain()
    {
        var id = await InterruptMidFileAsync(o => o.Checkpoints.Enabled = false);

        (await _stores.Checkpoints.ReadAsync(id)).Should().BeNull();
        await using var after = Host(o => o.Checkpoints.Enabled = false);
        await after.Internal.Recovery.ResumeInterruptedAsync(CancellationToken.None);
        var entries = await ReadEntriesAsync(id);

        entries.Single(e => e.Event.Stage == GenerationStages.Resumed).Event.Message
            .Should().Be("Resumed after a restart: phase 1 kept (2 files), continuing with phase 2");
        _script.Prepared.Should().BeEmpty();
    }

    [Fact]
    public async Task AContinuedPhaseInterruptedAgain_ContinuesAgainFromItsNewCheckpoint()
    {
        var id = await InterruptMidFileAsync();
        await using (var second = Host())
        {
            _script.StopAtNext(phase: 2, file: 1, chars: 700);
            await second.Internal.Recovery.ResumeInterruptedAsync(CancellationToken.None);
            await _script.Reached.Task.WithPatience();
            await ((IAsyncDisposable)second.Engine).DisposeAsync().AsTask().WithPatience();
        }

        var checkpoint = await _stores.Checkpoints.ReadAsync(id);
        await using var third = Host();
        await third.Internal.Recovery.ResumeInterruptedAsync(CancellationToken.None);
        var entries = await ReadEntriesAsync(id);

        checkpoint!.Attempt.Should().Be(2);
        checkpoint.CurrentText.Should().Be(_script.TextOf(2, 1)[..700]);
        checkpoint.Files.Should().ContainSingle();
        entries.Where(e => e.Event.Stage == GenerationStages.Resumed).Select(e => e.Event.ResumedMidPhase!.Chars).Should().Equal(300, 700);
        entries.Select(e => e.Sequence).Should().Equal(Enumerable.Range(1, entries.Count).Select(i => (long)i));
        (await FilesAsync(_stores.Sink, id)).Should().Equal(await UninterruptedFilesAsync());
    }

    [Fact]
    public async Task RetryOfARunCancelledMidFile_ContinuesFromItsCheckpoint()
    {
        await using var host = Host();
        _script.StopAtNext(phase: 2, file: 1, chars: 300);
        var source = await host.Engine.StartAsync(new GenerationRequest("Build a todo app", ["User"]));
        await _script.Reached.Task.WithPatience();
        await host.Engine.CancelAsync(source);
        (await host.ReadToEndAsync(source))[^1].Status.Should().Be(GenerationStatus.Cancelled);

        var retry = await host.Engine.RetryAsync(new RetryRequest(source));
        var events = await host.ReadToEndAsync(retry);

        var resumed = events.Single(e => e.Stage == GenerationStages.Resumed);
        resumed.ResumedMidPhase!.Chars.Should().Be(300);
        resumed.Message.Should().Contain($"of generation {source} kept").And.EndWith("Phase 2 continues where it stopped: src/p2/f1.txt at 300 characters (1 file of the phase kept)");
        events[^1].Status.Should().Be(GenerationStatus.Completed);
        (await FilesAsync(host.Sink, retry)).Should().Equal(await UninterruptedFilesAsync());
        (await _stores.Checkpoints.ReadAsync(source)).Should().NotBeNull("the source's checkpoint is the source's");
        (await _stores.Checkpoints.ReadAsync(retry)).Should().BeNull();
    }

    [Fact]
    public async Task GetLiveAsync_OfARunHeldMidFile_ReturnsTheFinishedFileAndTheTextSoFar_AtTheLatestSequence()
    {
        await using var host = Host();
        _script.StopAtNext(phase: 2, file: 1, chars: 300);
        var id = await host.Engine.StartAsync(new GenerationRequest("Build a todo app", ["User"]));
        await _script.Reached.Task.WithPatience();

        var live = await host.Engine.GetLiveAsync(id);
        var latest = await host.Log.GetLatestAsync(id);

        live.Should().BeEquivalentTo(new GenerationLive
        {
            GenerationId = id,
            Status = GenerationStatus.Processing,
            Phase = 2,
            Sequence = latest!.Sequence,
            CurrentFile = LiveScript.PathOf(2, 1),
            Files =
            [
                new GenerationLiveFile { Path = LiveScript.PathOf(2, 0), Text = _script.TextOf(2, 0), Offset = _script.TextOf(2, 0).Length, Complete = true },
                new GenerationLiveFile { Path = LiveScript.PathOf(2, 1), Text = _script.TextOf(2, 1)[..300], Offset = 300, Complete = false },
            ],
        });
        await host.Engine.CancelAsync(id);
    }

    [Fact]
    public async Task GetLiveAsync_OfAnInterruptedRun_ReadsItsCheckpoint()
    {
        var id = await InterruptMidFileAsync();

        await using var other = Host();
        var live = await other.Engine.GetLiveAsync(id);

        live.Phase.Should().Be(2);
        live.Sequence.Should().Be((await _stores.Log.GetLatestAsync(id))!.Sequence);
        live.Files.Select(f => (f.Path, f.Complete, f.Offset)).Should().Equal((LiveScript.PathOf(2, 0), true, _script.TextOf(2, 0).Length), (LiveScript.PathOf(2, 1), false, 300));
        live.Files[1].Text.Should().Be(_script.TextOf(2, 1)[..300]);
    }

    [Fact]
    public async Task GetLiveAsync_OfACompletedGeneration_HasNoPhaseAndNoFiles()
    {
        await using var host = Host();
        var id = await host.CompleteGenerationAsync("User");

        var live = await host.Engine.GetLiveAsync(id);

        live.Should().BeEquivalentTo(new GenerationLive { GenerationId = id, Status = GenerationStatus.Completed });
    }

    [Fact]
    public async Task GetLiveAsync_OfAnUnknownGeneration_ThrowsNotFound()
    {
        await using var host = Host();

        var read = () => host.Engine.GetLiveAsync("no-such-generation").AsTask();

        await read.Should().ThrowAsync<GenerationNotFoundException>();
    }
}
