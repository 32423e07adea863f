using System.Net;
using CsCheck;
using Iteration.Streaming.Sqlite.Tests.Fixtures;
using Iteration.Streaming.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.Sqlite.Tests.Multiplex;

/// <summary>
/// Issue 25's must-show on the durable store: 50 generations on a real SQLite file, one multiplexed stream cut at random
/// points and resumed with <c>Last-Event-ID</c>, every member's events exactly once in its order, byte for byte.
/// </summary>
public sealed class SqliteWatchCutPropertyTests : IAsyncLifetime
{
    private const int Generations = 50;

    private readonly TempFolder _folder = new();
    private readonly ControlledPhaseGenerator _generator = new();
    private KestrelTestHost _host = null!;

    private static readonly Gen<MultiplexCut> Cut = Gen.Frequency(
        (3, Gen.Int[1, 12].Select(MultiplexCut.AfterEvents)),
        (2, Gen.Long[1, 6_000].Select(MultiplexCut.AfterBytes)));

    private static readonly Gen<MultiplexCutPlan> Plan = Gen.Select(
        Gen.Select(Cut, Gen.Int[0, 3], (cut, release) => new MultiplexCutStep(cut, release)).Array[110, 150],
        Gen.Frequency((8, Gen.Int[0, 3]), (1, Gen.Const(-1))).Array[5, 13],
        (steps, files) => new MultiplexCutPlan(Generations, steps, files));

    public async Task InitializeAsync() =>
        _host = await KestrelTestHost.StartAsync(
            o =>
            {
                o.MaxConcurrentGenerations = Generations;
                o.MaxGenerationsPerStream = Generations;
                o.HeartbeatInterval = TimeSpan.FromMilliseconds(20);
                o.MaxMultiplexedStreamsPerOwner = 10_000;
            },
            configureServices: b => b.Services.AddIterationStreaming().AddSqliteStore(_folder.File()),
            generator: _generator);

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task Stream_50RunningGenerationsOnSqliteCutAtRandomPoints_DeliversEveryMembersEventsExactlyOnceInItsOrder()
    {
        var cuts = 0;

        await Plan.SampleAsync(async plan =>
        {
            var outcome = await MultiplexCutScenario.RunAsync(_host, _generator, plan).WaitAsync(TimeSpan.FromMinutes(2));

            outcome.Mismatches().Should().BeEmpty();
            outcome.FinalStatus.Should().Be(HttpStatusCode.NoContent);
            outcome.LongestCursor.Should().BeLessThan(4096);
            outcome.Reader.Cuts.Should().Be(plan.Steps.Count, "every step cuts a live stream");
            cuts += outcome.Reader.Cuts;
        }, iter: 2, threads: 1);

        cuts.Should().BeGreaterThanOrEqualTo(200);
    }
}
