using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Tests.Engine;

public sealed class WatchdogTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(1);

    [Fact]
    public async Task ARunSilentForTheIdleTimeout_FailsWithStageTimeout_AndItsTokenFires()
    {
        await using var harness = EngineHarness.Create();
        var gate = new Gate();
        CancellationToken seen = default;
        harness.Generator.BeforeFile = (context, index, token) =>
        {
            if (context.Phase.Number != 2)
            {
                return Task.CompletedTask;
            }

            seen = token;
            return gate.PassAsync(token);
        };
        var id = await harness.Engine.StartAsync(new GenerationRequest("x", ["User"]));
        await gate.Reached.WithPatience();
        var before = (await harness.Log.GetLatestAsync(id))!.Event;

        harness.Clock.Advance(TimeSpan.FromMinutes(5));
        var events = await harness.ReadToEndAsync(id);

        seen.IsCancellationRequested.Should().BeTrue();
        events[^1].Status.Should().Be(GenerationStatus.Failed);
        events[^1].Stage.Should().Be(GenerationStages.Timeout);
        events[^1].Error.Should().Be("The generation emitted no progress for 5 minutes (IdleTimeout) and was stopped.");
        events[^1].Message.Should().StartWith("Generation timed out");
        events[^1].Progress.Should().Be(before.Progress);
        (await harness.Sink.GetManifestAsync(id))!.Files.Should().HaveCount(5, "phase 1 stays saved");
    }

    [Fact]
    public async Task JustBeforeTheIdleTimeout_NothingHappens()
    {
        await using var harness = EngineHarness.Create();
        CancellationToken seen = default;
        var gate = new Gate();
        harness.Generator.BeforeFile = (_, _, token) =>
        {
            seen = token;
            return gate.PassAsync(token);
        };
        var id = await harness.Engine.StartAsync(new GenerationRequest("x"));
        await gate.Reached.WithPatience();

        harness.Clock.Advance(TimeSpan.FromMinutes(5) - Tick);

        seen.IsCancellationRequested.Should().BeFalse();
        harness.Generator.BeforeFile = null;
        gate.Release();
        (await harness.ReadToEndAsync(id))[^1].Status.Should().Be(GenerationStatus.Completed);
    }

    [Fact]
    public async Task EveryEvent_RestartsTheIdleTimeout()
    {
        await using var harness = EngineHarness.Create();
        var first = new Gate();
        var second = new Gate();
        CancellationToken seen = default;
        harness.Generator.BeforeFile = (context, index, token) =>
        {
            seen = token;
            return (context.Phase.Number, index) switch
            {
                (1, 0) => first.PassAsync(token),
                (1, 1) => second.PassAsync(token),
                _ => Task.CompletedTask,
            };
        };
        var id = await harness.Engine.StartAsync(new GenerationRequest("x"));
        await first.Reached.WithPatience();
        harness.Clock.Advance(TimeSpan.FromMinutes(4));
        first.Release();
        await second.Reached.WithPatience();

        harness.Clock.Advance(TimeSpan.FromMinutes(4));
        var stillGoing = !seen.IsCancellationRequested;
        harness.Clock.Advance(TimeSpan.FromMinutes(1));
        var events = await harness.ReadToEndAsync(id);

        stillGoing.Should().BeTrue("the file event after 4 minutes restarted the idle timeout");
        events[^1].Stage.Should().Be(GenerationStages.Timeout);
    }

    [Fact]
    public async Task AGeneratorIgnoringItsToken_IsStillTimedOut()
    {
        await using var harness = EngineHarness.Create(configure: o => o.IdleTimeout = TimeSpan.FromSeconds(30));
        var gate = harness.Generator.StopAt(phase: 1, fileIndex: 0, ignoreCancellation: true);
        var id = await harness.Engine.StartAsync(new GenerationRequest("x"));
        await gate.Reached.WithPatience();

        harness.Clock.Advance(TimeSpan.FromSeconds(30));
        var events = await harness.ReadToEndAsync(id);
        gate.Release();

        events[^1].Stage.Should().Be(GenerationStages.Timeout);
        events[^1].Error.Should().Be("The generation emitted no progress for 30 seconds (IdleTimeout) and was stopped.");
    }

    [Fact]
    public async Task AFinishedRun_IsNeverTimedOut()
    {
        await using var harness = EngineHarness.Create();
        var id = await harness.CompleteGenerationAsync();

        harness.Clock.Advance(TimeSpan.FromMinutes(10));

        (await harness.ReadToEndAsync(id)).Count(e => e.IsTerminal).Should().Be(1);
    }
}
