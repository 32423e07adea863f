using Iteration.Streaming.Checkpoints;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Records;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.AspNetCore.Tests.Live;

/// <summary>
/// <c>GET /live</c> on an instance that does not hold the run: two hosts share the log, the records and the checkpoint
/// store (as instances sharing Redis or SQLite do); the second answers from the phase's checkpoint, and its stream
/// from that sequence continues the text exactly.
/// </summary>
public sealed class LiveCheckpointTests : IAsyncLifetime
{
    private readonly ControlledPhaseGenerator _generator = new();
    private KestrelTestHost _runner = null!;
    private KestrelTestHost _other = null!;
    private HttpClient _runnerClient = null!;
    private HttpClient _otherClient = null!;

    public async Task InitializeAsync()
    {
        _runner = await KestrelTestHost.StartAsync(generator: _generator);
        var shared = _runner.Services;

        // Started before any run exists, so its start-up recovery finds nothing to take over.
        _other = await KestrelTestHost.StartAsync(
            generator: new ControlledPhaseGenerator(),
            configureStreaming: s =>
            {
                s.Services.AddSingleton(shared.GetRequiredService<IGenerationEventLog>());
                s.Services.AddSingleton(shared.GetRequiredService<IGenerationRecordStore>());
                s.Services.AddSingleton(shared.GetRequiredService<IPhaseCheckpointStore>());
                s.Services.AddSingleton(shared.GetRequiredService<IFileSink>());
            });
        _runnerClient = _runner.CreateClient();
        _otherClient = _other.CreateClient();
    }

    public async Task DisposeAsync()
    {
        await _other.DisposeAsync();
        await _runner.DisposeAsync();
    }

    private static ValueTask ReportAsync(ControlledPhase phase, string path, int offset, string text) =>
        phase.Context.Progress.ReportLiveAsync(new PhaseLiveUpdate { File = path, Offset = offset, Text = text });

    [Fact]
    public async Task Live_OnAnInstanceThatDoesNotHoldTheRun_AnswersTheRunnersStateFromTheCheckpoint()
    {
        var started = await _runner.StartGenerationAsync(_runnerClient);
        await using var watcher = await LiveWatcher.OpenAsync(_runnerClient, started.GenerationId, started.SseToken);
        var phase = await _generator.NextPhaseAsync();
        var done = LiveEndpointTests.Code(3_000, 10);
        var writing = LiveEndpointTests.Code(9_000, 11);
        await ReportAsync(phase, "src/a.ts", 0, done);
        phase.Yield("src/a.ts", done);
        await watcher.ReadUntilAsync(e => e.CurrentFile == "src/a.ts" && e.PartialOutput is null);
        await ReportAsync(phase, "src/b.ts", 0, writing);
        await watcher.ReadToAsync("src/b.ts", writing.Length);

        var fromRun = await LiveWatcher.GetLiveAsync(_runnerClient, started.GenerationId, started.SseToken);
        var fromCheckpoint = await LiveWatcher.GetLiveAsync(_otherClient, started.GenerationId, started.SseToken);

        fromCheckpoint.Should().BeEquivalentTo(fromRun, o => o.WithStrictOrdering());
        fromCheckpoint.Phase.Should().Be(1);
        fromCheckpoint.Files.Select(f => (f.Path, f.Complete)).Should().Equal(("src/a.ts", true), ("src/b.ts", false));
        fromCheckpoint.Files[1].Text.Should().Be(writing);
        phase.Complete();
    }

    [Fact]
    public async Task Stream_OnTheOtherInstanceFromTheCheckpointsSequence_ContinuesTheTextExactly()
    {
        var started = await _runner.StartGenerationAsync(_runnerClient);
        await using var fromStart = await LiveWatcher.OpenAsync(_runnerClient, started.GenerationId, started.SseToken);
        var phase = await _generator.NextPhaseAsync();
        var text = LiveEndpointTests.Code(20_000, 12);
        await ReportAsync(phase, "src/App.tsx", 0, text[..7_000]);
        await fromStart.ReadToAsync("src/App.tsx", 7_000);

        var (reloaded, live) = await LiveWatcher.ReloadAsync(_otherClient, started.GenerationId, started.SseToken);
        await using (reloaded)
        {
            await ReportAsync(phase, "src/App.tsx", 7_000, text[7_000..]);
            await reloaded.ReadToAsync("src/App.tsx", text.Length);
            await fromStart.ReadToAsync("src/App.tsx", text.Length);

            live.Files.Single().Offset.Should().Be(7_000);
            reloaded.Texts.Texts["src/App.tsx"].Should().Be(text);
            reloaded.Texts.Texts.Should().Equal(fromStart.Texts.Texts);
        }

        phase.Complete();
    }

    [Fact]
    public async Task Live_OnTheOtherInstanceOnceThePhaseIsSaved_HasNoPhase()
    {
        var started = await _runner.StartGenerationAsync(_runnerClient);
        await using var watcher = await LiveWatcher.OpenAsync(_runnerClient, started.GenerationId, started.SseToken);
        var first = await _generator.NextPhaseAsync();
        await ReportAsync(first, "src/a.ts", 0, "text");
        first.Yield("src/a.ts", "text").Complete();
        var second = await _generator.NextPhaseAsync();
        await watcher.ReadUntilAsync(e => e.Stage == GenerationStages.PhaseStarted(2));

        var live = await LiveWatcher.GetLiveAsync(_otherClient, started.GenerationId, started.SseToken);

        // Phase 1's checkpoint went with its save, and phase 2 has written nothing yet.
        live.Status.Should().Be(GenerationStatus.Processing);
        live.Phase.Should().BeNull();
        live.Files.Should().BeEmpty();
        second.Complete();
    }

    [Fact]
    public async Task Live_OnTheOtherInstanceWithACheckpointOfAnotherPhase_IgnoresIt()
    {
        var started = await _runner.StartGenerationAsync(_runnerClient);
        await using var watcher = await LiveWatcher.OpenAsync(_runnerClient, started.GenerationId, started.SseToken);
        var phase = await _generator.NextPhaseAsync();
        await ReportAsync(phase, "src/a.ts", 0, "text");
        await watcher.ReadToAsync("src/a.ts", 4);
        var store = _runner.Services.GetRequiredService<IPhaseCheckpointStore>();
        await store.WriteAsync(new PhaseCheckpointWrite
        {
            GenerationId = started.GenerationId,
            Phase = 2,
            Attempt = 1,
            Reset = true,
            CurrentFile = "src/stale.ts",
            Text = "stale",
            Sequence = 1,
            WrittenAt = _runner.Now,
        });

        var live = await LiveWatcher.GetLiveAsync(_otherClient, started.GenerationId, started.SseToken);

        live.Phase.Should().BeNull("a checkpoint of a phase the run is not in is stale");
        live.Files.Should().BeEmpty();
        phase.Complete();
    }
}
