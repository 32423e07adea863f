using Iteration.Streaming.CheckpointTesting;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Sqlite.Tests.Fixtures;
using Iteration.Streaming.TestHost;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.Sqlite.Tests.Checkpoints;

/// <summary>
/// A real host on the SQLite store stopped in the middle of a phase's live file (no terminal event), and a new host on
/// the same file: the phase continues from the durable checkpoint, inside the file, and ends as an uninterrupted run.
/// </summary>
public sealed class SqliteDurableResumeTests : IDisposable
{
    private const int Phase = 2;
    private const int DeltasBeforeStop = 5;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Restart_MidPhase_ContinuesTheLiveFileFromTheCheckpoint_AndEndsWithTheFilesOfAnUninterruptedRun()
    {
        var store = _folder.File();
        var sink = Path.Combine(_folder.Path, "files");
        var interrupted = new LiveResumableGenerator();
        interrupted.StopIn(Phase, DeltasBeforeStop);
        string id;
        long lastBeforeStop;
        await using (var host = await StartAsync(store, sink, interrupted))
        {
            id = (await host.StartGenerationAsync(host.CreateClient())).GenerationId;
            await interrupted.Reached.WithPatience();
            lastBeforeStop = (await host.EventLog.GetLatestAsync(id))!.Sequence;
        }

        var resuming = new LiveResumableGenerator();
        await using var restarted = await StartAsync(store, sink, resuming);
        var entries = await ReadToEndAsync(restarted.EventLog, id);
        var files = await GenerationFiles.ReadAsync(restarted.Services, id);

        var reference = new LiveResumableGenerator();
        await using var uninterrupted = await StartAsync(_folder.File("reference.db"), Path.Combine(_folder.Path, "reference"), reference);
        var referenceId = (await uninterrupted.StartGenerationAsync(uninterrupted.CreateClient())).GenerationId;
        await ReadToEndAsync(uninterrupted.EventLog, referenceId);
        var expected = await GenerationFiles.ReadAsync(uninterrupted.Services, referenceId);

        var keptText = LiveResumableGenerator.TextOf(Phase, DeltasBeforeStop);
        entries.Select(e => e.Sequence).Should().Equal(Enumerable.Range(1, entries.Count).Select(i => (long)i), "the event ids are contiguous across the restart");
        var resumed = entries.Single(e => e.Event.Stage == GenerationStages.Resumed);
        resumed.Sequence.Should().Be(lastBeforeStop + 1);
        resumed.Event.ResumedMidPhase.Should().BeEquivalentTo(new ResumedMidPhase { Phase = Phase, File = LiveResumableGenerator.LivePath(Phase), Chars = keptText.Length, FilesKept = 1 });
        var checkpoint = resuming.Prepared.Should().ContainSingle().Subject;
        checkpoint.Phase.Should().Be(Phase);
        checkpoint.CurrentFile.Should().Be(LiveResumableGenerator.LivePath(Phase));
        checkpoint.CurrentText.Should().Be(keptText);
        checkpoint.ResumeState.ToArray().Should().Equal(LiveResumableGenerator.StateOf(DeltasBeforeStop));
        checkpoint.Files.Select(f => f.Path).Should().Equal(LiveResumableGenerator.FirstPath(Phase));
        entries[^1].Event.Status.Should().Be(GenerationStatus.Completed);
        files.Should().Equal(expected, "the continued phase ends with the files of an uninterrupted run");
        (await restarted.Services.GetRequiredService<Iteration.Streaming.Checkpoints.IPhaseCheckpointStore>().ReadAsync(id)).Should().BeNull("the checkpoint is deleted once the phase is saved");
    }

    private static Task<KestrelTestHost> StartAsync(string store, string files, IPhaseGenerator generator) =>
        KestrelTestHost.StartAsync(generator: generator, fileSinkRoot: files, configureStreaming: s => s.AddSqliteStore(store));

    private static async Task<List<EventLogEntry>> ReadToEndAsync(IGenerationEventLog log, string id)
    {
        await using var subscription = await log.SubscribeAsync(id);
        return await subscription.ReadAllAsync().ToListAsync().AsTask().WithPatience();
    }
}
