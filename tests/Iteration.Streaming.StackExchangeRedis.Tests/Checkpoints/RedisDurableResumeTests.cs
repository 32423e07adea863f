using Iteration.Streaming.CheckpointTesting;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.StackExchangeRedis.Hosting;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Iteration.Streaming.TestHost;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Checkpoints;

/// <summary>
/// The instance running a phase's live file goes away (it crashes, or it is stopped and hands the run over) and the
/// other instance takes the run over: the phase continues from the checkpoint in Redis, inside the file, and ends with
/// the files of an uninterrupted run, with contiguous event ids.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RedisDurableResumeTests(RedisServerFixture server)
{
    private const int Phase = 2;
    private const int DeltasBeforeStop = 7;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Takeover_MidPhase_ContinuesTheLiveFileFromTheCheckpoint_AndEndsWithTheFilesOfAnUninterruptedRun(bool crash)
    {
        var interrupted = new LiveResumableGenerator();
        interrupted.StopIn(Phase, DeltasBeforeStop);
        var resuming = new LiveResumableGenerator();
        await using var cluster = await ScaleOutCluster.StartAsync(server, generatorA: interrupted, generatorB: resuming, configureRedis: ShortLease);
        var id = (await cluster.A.StartGenerationAsync(cluster.A.CreateClient())).GenerationId;
        await interrupted.Reached.WithPatience();
        var lastBeforeStop = (await cluster.A.EventLog.GetLatestAsync(id))!.Sequence;

        await (crash ? cluster.CrashAsync(cluster.A) : cluster.StopGracefullyAsync(cluster.A));
        var entries = await ReadToEndAsync(cluster.B.EventLog, id);
        var files = await GenerationFiles.ReadAsync(cluster.B.Services, id);
        var referenceId = (await cluster.B.StartGenerationAsync(cluster.B.CreateClient())).GenerationId;
        await ReadToEndAsync(cluster.B.EventLog, referenceId);
        var expected = await GenerationFiles.ReadAsync(cluster.B.Services, referenceId);

        var keptText = LiveResumableGenerator.TextOf(Phase, DeltasBeforeStop);
        entries.Select(e => e.Sequence).Should().Equal(Enumerable.Range(1, entries.Count).Select(i => (long)i), "the event ids are contiguous across the takeover");
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
        server.Server.Keys(pattern: $"{cluster.Prefix}:{{{id}}}:checkpoint*").Should().BeEmpty("the checkpoint is deleted once the phase is saved");
    }

    private static async Task<List<EventLogEntry>> ReadToEndAsync(IGenerationEventLog log, string id)
    {
        await using var subscription = await log.SubscribeAsync(id);
        return await subscription.ReadAllAsync().ToListAsync().AsTask().WithPatience();
    }

    private static void ShortLease(IterationStreamingRedisOptions options)
    {
        options.LeaseDuration = TimeSpan.FromSeconds(1);
        options.LeaseRenewalInterval = TimeSpan.FromMilliseconds(100);
    }
}
