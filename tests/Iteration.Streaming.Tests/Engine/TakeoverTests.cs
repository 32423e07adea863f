using Iteration.Streaming.Engine;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.ScaleOut;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.Tests.Engine;

/// <summary>
/// Runs that move between instances through <see cref="IRunCoordinator"/>: a stopping instance hands its runs over, and
/// an instance given a run whose owner went away resumes it on the ordinary resume path, worded as a takeover.
/// </summary>
public sealed class TakeoverTests
{
    private readonly SharedStores _stores = new();
    private readonly RecordingCoordinator _first = new("node-1");
    private readonly RecordingCoordinator _second = new("node-2");

    [Fact]
    public async Task Stop_WithADurableStore_HandsTheInterruptedRunOver_AndLetsGoOfIt()
    {
        var id = await InterruptOnFirstAsync();

        _first.HandOvers.Should().Equal(id);
        _first.Released[id].Task.IsCompleted.Should().BeTrue();
        (await _stores.Log.GetLatestAsync(id))!.IsTerminal.Should().BeFalse("a hand-over is not an end");
    }

    [Fact]
    public async Task OrphanedRun_IsResumedFromItsLastSavedPhase_WithTheTakeoverWording()
    {
        var id = await InterruptOnFirstAsync();
        var before = await _stores.Log.GetLatestAsync(id);
        await using var second = Host(_second);
        using var watching = new CancellationTokenSource();
        var takeovers = second.Internal.Recovery.ResumeOrphanedAsync(watching.Token);

        await _second.Orphans.Writer.WriteAsync(id);
        var entries = await ReadEntriesAsync(id);
        await watching.CancelAsync();
        await takeovers.WithPatience();

        entries.Select(e => e.Sequence).Should().Equal(Enumerable.Range(1, entries.Count).Select(i => (long)i));
        var resumed = entries.Single(e => e.Sequence == before!.Sequence + 1).Event;
        resumed.Stage.Should().Be(GenerationStages.Resumed);
        resumed.Message.Should().Be("Resumed on another instance: phase 1 kept (5 files), continuing with phase 2");
        entries[^1].Event.Status.Should().Be(GenerationStatus.Completed);
        second.Generator.Calls.Select(c => c.Phase.Number).Should().Equal(2, 3, 4);
        (await _stores.Records.GetAsync(id))!.Attempts.Should().Be(2, "a takeover counts as a resume");
        _second.Stops.Should().ContainKey(id, "the new owner holds the run");
    }

    [Fact]
    public async Task OrphanedRun_PastMaxResumeAttempts_EndsFailed()
    {
        var id = await InterruptOnFirstAsync();
        await using var second = Host(_second, o => o.MaxResumeAttempts = 0);
        using var watching = new CancellationTokenSource();
        var takeovers = second.Internal.Recovery.ResumeOrphanedAsync(watching.Token);

        await _second.Orphans.Writer.WriteAsync(id);
        var entries = await ReadEntriesAsync(id);
        await watching.CancelAsync();
        await takeovers.WithPatience();

        entries[^1].Event.Status.Should().Be(GenerationStatus.Failed);
        entries[^1].Event.Error.Should().Contain("MaxResumeAttempts is 0");
        second.Generator.Calls.Should().BeEmpty();
    }

    [Fact]
    public async Task OrphanedRun_UnknownToTheStore_IsHandedBack()
    {
        await using var second = Host(_second);
        using var watching = new CancellationTokenSource();
        var takeovers = second.Internal.Recovery.ResumeOrphanedAsync(watching.Token);

        await _second.Orphans.Writer.WriteAsync("no-such-generation");
        await Eventually(() => _second.HandOvers.Contains("no-such-generation"));
        await watching.CancelAsync();
        await takeovers.WithPatience();

        _second.Stops.Should().BeEmpty();
    }

    [Fact]
    public async Task ResumeAtStart_RunClaimedElsewhere_IsLeftAlone()
    {
        var id = await InterruptOnFirstAsync();
        _first.HandOvers.Clear();
        _first.RunningElsewhere.Add(id);
        await using var again = Host(_first);

        var resumed = await again.Internal.Recovery.ResumeInterruptedAsync(CancellationToken.None);

        resumed.Should().Be(0);
        _first.Claims.Should().Equal(id);
        again.Generator.Calls.Should().BeEmpty();
    }

    private EngineHarness Host(RecordingCoordinator coordinator, Action<IterationStreamingOptions>? configure = null) =>
        EngineHarness.Create(configure: configure, build: b =>
        {
            _stores.Register(b);
            b.Services.AddSingleton<IRunCoordinator>(coordinator);
        });

    /// <summary>Runs a generation on the first instance until phase 2 is under way, then stops that instance gracefully.</summary>
    private async Task<string> InterruptOnFirstAsync()
    {
        await using var first = Host(_first);
        var gate = first.Generator.StopAt(2, fileIndex: 1);
        var id = await first.Engine.StartAsync(new GenerationRequest("Build a todo app", ["User"]));
        await gate.Reached.WithPatience();
        await ((IAsyncDisposable)first.Engine).DisposeAsync().AsTask().WithPatience();
        return id;
    }

    private async Task<List<EventLogEntry>> ReadEntriesAsync(string id)
    {
        await using var subscription = await _stores.Log.SubscribeAsync(id);
        return await subscription.ReadAllAsync().ToListAsync().AsTask().WithPatience();
    }

    private static async Task Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + AsyncTestExtensions.Patience;
        while (!condition())
        {
            DateTime.UtcNow.Should().BeBefore(deadline);
            await Task.Yield();
        }
    }
}
