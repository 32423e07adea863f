using System.Net;
using CsCheck;
using Xunit.Abstractions;

namespace Iteration.Streaming.AspNetCore.Tests.Multiplex;

/// <summary>
/// Issue 25's must-show: one multiplexed stream follows 50 generations running at once and, across random cuts resumed
/// with <c>Last-Event-ID</c>, sees every member's events exactly once, in its order, byte for byte its own stream's.
/// </summary>
public sealed class WatchCutPropertyTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Generations = 50;

    private readonly ControlledPhaseGenerator _generator = new();
    private KestrelTestHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await KestrelTestHost.StartAsync(
            o =>
            {
                o.MaxConcurrentGenerations = Generations;
                o.MaxGenerationsPerStream = Generations;

                // A cut also stops at a heartbeat (nothing more to read yet), so each connection waits at most this long.
                o.HeartbeatInterval = TimeSpan.FromMilliseconds(20);

                // Closed connections are noticed by the server a moment later: the cap has its own test.
                o.MaxMultiplexedStreamsPerOwner = 10_000;
            },
            generator: _generator);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Stream_50RunningGenerationsCutAtRandomPoints_DeliversEveryMembersEventsExactlyOnceInItsOrder()
    {
        var cuts = 0;
        var connections = 0;
        var events = 0;

        await MultiplexCutGen.Plan(Generations, minSteps: 110, maxSteps: 150).SampleAsync(async plan =>
        {
            var outcome = await MultiplexCutScenario.RunAsync(_host, _generator, plan).WaitAsync(TimeSpan.FromMinutes(2));

            outcome.Mismatches().Should().BeEmpty();
            outcome.FinalStatus.Should().Be(HttpStatusCode.NoContent, "a reconnect after every member's terminal event gets 204");
            outcome.Reader.Generations.Should().BeEquivalentTo(outcome.Generations);
            outcome.LongestCursor.Should().BeLessThan(4096, "the cursor of 50 UUID members stays under 4 KB");
            outcome.Reader.Cuts.Should().Be(plan.Steps.Count, "every step cuts a live stream");
            cuts += outcome.Reader.Cuts;
            connections += outcome.Reader.Connections;
            events += outcome.Reader.Events.Count();
        }, iter: 2, threads: 1);

        output.WriteLine($"{cuts} cuts over {connections} connections, {events} events delivered");

        cuts.Should().BeGreaterThanOrEqualTo(200, $"the property must hold across at least 200 cuts ({connections} connections)");
    }
}
