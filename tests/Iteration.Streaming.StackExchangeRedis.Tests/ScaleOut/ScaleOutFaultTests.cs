using System.Collections.Concurrent;
using System.Net.ServerSentEvents;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.StackExchangeRedis.Hosting;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Iteration.Streaming.TestHost;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.StackExchangeRedis.Tests.ScaleOut;

/// <summary>
/// Faults landing on the ownership moves themselves: Redis restarting while a run is handed over or taken over, two
/// instances racing for one lapsed run, and a drain while a phase is being saved. Whatever the interleaving, the run
/// completes exactly once, every watcher sees contiguous ids, nothing fails or is cancelled, and the files agree with the log.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class ScaleOutFaultTests(RedisServerFixture server, Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task RedisDown_WhileTheOwnerHandsItsRunOver_TheRunCompletesOnceOnTheOtherInstance()
    {
        var generator = new ControlledPhaseGenerator();
        await using var cluster = await ScaleOutCluster.StartAsync(server, generatorA: generator, configureRedis: ShortLease);
        var started = await cluster.A.StartGenerationAsync(cluster.A.CreateClient());
        var phaseTwo = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reading = ResumingReader.ReadToEndAsync([cluster.B.CreateClient()], started.GenerationId, started.SseToken, e => SignalAt(e, GenerationStages.PhaseProgress(2), phaseTwo));
        (await generator.NextPhaseAsync()).Yield("src/App.cs", "class App {}").Complete();
        (await generator.NextPhaseAsync()).Yield("src/User.cs", "class User {}");
        await phaseTwo.Task.WithPatience();

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await server.StopAsync(keepData: true);
        await cluster.StopGracefullyAsync(cluster.A).WithPatience();
        var stopped = clock.Elapsed;
        await server.StartAgainAsync();

        var events = await reading.WithPatience();
        output.WriteLine($"A stopped with Redis down in {stopped.TotalMilliseconds:0} ms (its hand-over times out); run completed on B {clock.Elapsed.TotalMilliseconds:0} ms after the stop began");
        ShouldHaveCompletedOnce(events, keptPhases: 1);
        (await cluster.B.Records.GetAsync(started.GenerationId))!.Attempts.Should().Be(2);
    }

    [Fact]
    public async Task RedisRestarts_AsTheOwnerStops_TheRunCompletesOnceOnTheOtherInstance()
    {
        var generator = new ControlledPhaseGenerator();
        await using var cluster = await ScaleOutCluster.StartAsync(server, generatorA: generator, configureRedis: ShortLease);
        var started = await cluster.A.StartGenerationAsync(cluster.A.CreateClient());
        var phaseTwo = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reading = ResumingReader.ReadToEndAsync([cluster.B.CreateClient()], started.GenerationId, started.SseToken, e => SignalAt(e, GenerationStages.PhaseProgress(2), phaseTwo));
        (await generator.NextPhaseAsync()).Yield("src/App.cs", "class App {}").Complete();
        (await generator.NextPhaseAsync()).Yield("src/User.cs", "class User {}");
        await phaseTwo.Task.WithPatience();

        // The hand-over and the restart race: whichever lands first, the expectations are the same.
        await Task.WhenAll(cluster.StopGracefullyAsync(cluster.A), server.RestartAsync(keepData: true)).WithPatience();

        var events = await reading.WithPatience();
        ShouldHaveCompletedOnce(events, keptPhases: 1);
    }

    [Fact]
    public async Task RedisRestarts_AsTheOwnerCrashes_TheSurvivorClaimsAfterwards_AndTheRunCompletesOnce()
    {
        var generator = new ControlledPhaseGenerator();
        await using var cluster = await ScaleOutCluster.StartAsync(server, generatorA: generator, configureRedis: ShortLease);
        var started = await cluster.A.StartGenerationAsync(cluster.A.CreateClient());
        var phaseTwo = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reading = ResumingReader.ReadToEndAsync([cluster.B.CreateClient()], started.GenerationId, started.SseToken, e => SignalAt(e, GenerationStages.PhaseProgress(2), phaseTwo));
        (await generator.NextPhaseAsync()).Yield("src/App.cs", "class App {}").Complete();
        (await generator.NextPhaseAsync()).Yield("src/User.cs", "class User {}");
        await phaseTwo.Task.WithPatience();

        // Redis goes away first, so the survivor cannot claim before the restart: it claims once Redis is back and it has
        // been talking to it for a whole lease.
        await server.StopAsync(keepData: true);
        await cluster.CrashAsync(cluster.A);
        await server.StartAgainAsync();

        var events = await reading.WithPatience();
        ShouldHaveCompletedOnce(events, keptPhases: 1);
        (await cluster.B.Records.GetAsync(started.GenerationId))!.Attempts.Should().Be(2);
    }

    [Fact]
    public async Task RedisRestarts_WhileTheSurvivorRunsTheRunItTookOver_TheRunCompletesOnce()
    {
        var onA = new ControlledPhaseGenerator();
        var onB = new ControlledPhaseGenerator();
        await using var cluster = await ScaleOutCluster.StartAsync(server, generatorA: onA, generatorB: onB, configureRedis: ShortLease);
        var started = await cluster.A.StartGenerationAsync(cluster.A.CreateClient());
        var phaseTwo = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var resumed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sawResumed = false;
        var reading = ResumingReader.ReadToEndAsync([cluster.B.CreateClient()], started.GenerationId, started.SseToken, e =>
        {
            SignalAt(e, GenerationStages.PhaseProgress(2), phaseTwo);
            sawResumed |= e.ToProgressEvent().Stage == GenerationStages.Resumed;
            if (sawResumed)
            {
                // What the watcher read is in Redis, so the snapshot the restart keeps has it.
                SignalAt(e, GenerationStages.PhaseStarted(2), resumed);
            }
        });
        (await onA.NextPhaseAsync()).Yield("src/App.cs", "class App {}").Complete();
        (await onA.NextPhaseAsync()).Yield("src/User.cs", "class User {}");
        await phaseTwo.Task.WithPatience();

        await cluster.CrashAsync(cluster.A);
        var again = await onB.NextPhaseAsync();
        again.Context.Phase.Number.Should().Be(2, "phase 1 was saved before the crash");
        await resumed.Task.WithPatience();
        await server.RestartAsync(keepData: true);
        again.Yield("src/User.cs", "class User {}").Complete();
        await onB.FinishRunAsync(fromPhase: 3);

        var events = await reading.WithPatience();
        ShouldHaveCompletedOnce(events, keptPhases: 1);
    }

    [Fact]
    public async Task TwoSurvivorsRaceForTheCrashedOwnersRun_ExactlyOneResumesIt()
    {
        var calls = new ConcurrentQueue<(string Instance, string GenerationId, int Phase)>();
        var generator = new ControlledPhaseGenerator();
        await using var cluster = await ScaleOutCluster.StartAsync(
            server,
            generatorA: generator,
            generatorB: new CountingPhaseGenerator("B", new InstantPhaseGenerator(), calls),
            configureRedis: ShortLease);
        var c = await cluster.StartInstanceAsync("C", new CountingPhaseGenerator("C", new InstantPhaseGenerator(), calls));
        var started = await cluster.A.StartGenerationAsync(cluster.A.CreateClient());
        var phaseTwo = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reading = ResumingReader.ReadToEndAsync([cluster.B.CreateClient(), c.CreateClient()], started.GenerationId, started.SseToken, e => SignalAt(e, GenerationStages.PhaseProgress(2), phaseTwo));
        (await generator.NextPhaseAsync()).Yield("src/App.cs", "class App {}").Complete();
        (await generator.NextPhaseAsync()).Yield("src/User.cs", "class User {}");
        await phaseTwo.Task.WithPatience();

        await cluster.CrashAsync(cluster.A);
        var events = await reading.WithPatience();

        ShouldHaveCompletedOnce(events, keptPhases: 1);
        var resumedOn = calls.Where(call => call.GenerationId == started.GenerationId).ToList();
        resumedOn.Select(call => call.Phase).Should().Equal([2, 3, 4], "each remaining phase is generated once, by one instance");
        resumedOn.Select(call => call.Instance).Distinct().Should().ContainSingle("exactly one survivor resumes the run");
        (await cluster.B.Records.GetAsync(started.GenerationId))!.Attempts.Should().Be(2, "one takeover, one resume");
        await FilesShouldAgreeWithTheLogAsync(cluster.B, started.GenerationId, events);
    }

    [Fact]
    public async Task DrainWhileAPhaseIsBeingSaved_TheSaveFinishes_ThePhaseIsNotGeneratedAgainOrIsGeneratedAgainFromItsStart()
    {
        GatedFileSink? sink = null;
        var generator = new ControlledPhaseGenerator();
        await using var cluster = await ScaleOutCluster.StartAsync(
            server,
            generatorA: generator,
            configureRedis: o => o.LeaseDuration = TimeSpan.FromSeconds(20),
            configureStreamingA: GatedFileSink.Install(inner => sink = new GatedFileSink(inner, gatedPhase: 1)));
        var started = await cluster.A.StartGenerationAsync(cluster.A.CreateClient());
        var reading = ResumingReader.ReadToEndAsync([cluster.A.CreateClient(), cluster.B.CreateClient()], started.GenerationId, started.SseToken);
        (await generator.NextPhaseAsync()).Yield("src/App.cs", "class App {}").Complete();
        var runToken = await sink!.Entered.Task.WithPatience();
        var stopSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = runToken.Register(stopSeen.SetResult);

        var stopping = cluster.StopGracefullyAsync(cluster.A);
        await stopSeen.Task.WithPatience();
        sink.Opened.SetResult();
        await stopping.WithPatience();

        var events = await reading.WithPatience();
        var kept = events.TakeWhile(e => e.ToProgressEvent().Stage != GenerationStages.Resumed).Any(e => e.ToProgressEvent().Stage == GenerationStages.PhaseComplete(1)) ? 1 : 0;
        output.WriteLine(kept == 1 ? "phase 1 was saved on A and not generated again" : "phase 1 was generated again on B");
        ShouldHaveCompletedOnce(events, keptPhases: kept);
        await FilesShouldAgreeWithTheLogAsync(cluster.B, started.GenerationId, events);
    }

    [Fact]
    public async Task DrainWhileAPhaseIsBeingSaved_TheSaveIsAbandoned_ThePhaseIsGeneratedAgainFromItsStart()
    {
        GatedFileSink? sink = null;
        var generator = new ControlledPhaseGenerator();
        await using var cluster = await ScaleOutCluster.StartAsync(
            server,
            generatorA: generator,
            configureRedis: o => o.LeaseDuration = TimeSpan.FromSeconds(20),
            configureStreamingA: GatedFileSink.Install(inner => sink = new GatedFileSink(inner, gatedPhase: 2) { HonourCancellation = true }));
        var started = await cluster.A.StartGenerationAsync(cluster.A.CreateClient());
        var reading = ResumingReader.ReadToEndAsync([cluster.A.CreateClient(), cluster.B.CreateClient()], started.GenerationId, started.SseToken);
        (await generator.NextPhaseAsync()).Yield("src/App.cs", "class App {}").Complete();
        (await generator.NextPhaseAsync()).Yield("src/Lost.cs", "class Lost {}").Complete();
        await sink!.Entered.Task.WithPatience();

        await cluster.StopGracefullyAsync(cluster.A).WithPatience();

        var events = await reading.WithPatience();
        ShouldHaveCompletedOnce(events, keptPhases: 1);
        var progress = events.Select(e => e.ToProgressEvent()).ToList();
        progress.SkipWhile(e => e.Stage != GenerationStages.Resumed).Select(e => e.Stage).Should().Contain(GenerationStages.PhaseStarted(2), "phase 2 is generated again from its start");
        var manifest = await FilesShouldAgreeWithTheLogAsync(cluster.B, started.GenerationId, events);
        manifest.Files.Select(f => f.Path).Should().Contain("src/App.cs").And.NotContain("src/Lost.cs", "the abandoned save left nothing behind");
    }

    private static void ShortLease(IterationStreamingRedisOptions options)
    {
        options.LeaseDuration = Lease;
        options.LeaseRenewalInterval = TimeSpan.FromMilliseconds(100);
    }

    private static void SignalAt(SseItem<string> item, string stage, TaskCompletionSource signal)
    {
        if (item.ToProgressEvent().Stage == stage)
        {
            signal.TrySetResult();
        }
    }

    /// <summary>Contiguous ids from 1, one terminal event (completed), nothing failed or cancelled, one resume, each phase completed once.</summary>
    private static void ShouldHaveCompletedOnce(List<SseItem<string>> events, int keptPhases)
    {
        events.ShouldBeContiguousFromOne();
        var progress = events.Select(e => e.ToProgressEvent()).ToList();
        progress.Should().NotContain(e => e.Status == GenerationStatus.Failed || e.Status == GenerationStatus.Cancelled, "no fault here fails or cancels the run: " + string.Join(" | ", progress.Select(e => e.Stage + ":" + e.Message)));
        progress.Count(e => e.IsTerminal).Should().Be(1);
        progress[^1].Status.Should().Be(GenerationStatus.Completed);
        progress.Count(e => e.Stage == GenerationStages.Resumed).Should().Be(1, "one instance resumed the run, once");
        for (var phase = 1; phase <= 4; phase++)
        {
            progress.Count(e => e.Stage == GenerationStages.PhaseComplete(phase)).Should().Be(1, $"phase {phase} is saved once");
        }

        var resumedAt = progress.FindIndex(e => e.Stage == GenerationStages.Resumed);
        progress.Take(resumedAt).Count(e => e.Stage.StartsWith("phase_", StringComparison.Ordinal) && e.Stage.EndsWith("_complete", StringComparison.Ordinal)).Should().Be(keptPhases);
        progress.Select(e => e.Progress).Should().BeInAscendingOrder();
    }

    /// <summary>The manifest lists exactly the files the log says were saved, each readable with the content it lists.</summary>
    private static async Task<FileManifest> FilesShouldAgreeWithTheLogAsync(KestrelTestHost host, string generationId, List<SseItem<string>> events)
    {
        var sink = host.Services.GetRequiredService<IFileSink>();
        var manifest = (await sink.GetManifestAsync(generationId))!;
        manifest.IsComplete.Should().BeTrue();
        var snapshot = (await host.Records.GetAsync(generationId))!;
        snapshot.FileCount.Should().Be(manifest.Files.Count);
        manifest.Files.Select(f => f.Path).Should().OnlyHaveUniqueItems();
        foreach (var file in manifest.Files)
        {
            await using var content = (await sink.OpenReadAsync(generationId, file.Path))!;
            using var sha = System.Security.Cryptography.SHA256.Create();
            Convert.ToHexStringLower(await sha.ComputeHashAsync(content)).Should().BeEquivalentTo(file.Sha256, $"{file.Path} on disk is what the manifest lists");
        }

        var completedPhases = events.Select(e => e.ToProgressEvent().Stage).Where(s => s.EndsWith("_complete", StringComparison.Ordinal)).ToList();
        manifest.Files.Select(f => f.Phase).Distinct().Should().OnlyContain(p => completedPhases.Contains(GenerationStages.PhaseComplete(p)), "only phases the log says were saved have files");
        return manifest;
    }
}
