using Iteration.Streaming.LoadTest.Client;
using Iteration.Streaming.LoadTest.Server;

namespace Iteration.Streaming.LoadTest.Scenarios;

/// <summary>
/// (4) Replay: late joiners connect to a generation 10,000 events long and read all of it. Only ours: the baselines keep no
/// history, so a late joiner there gets nothing of the past (that is the point of an event log).
/// </summary>
internal static class ReplayScenario
{
    private const int Events = 10_000;

    public static async Task RunAsync(LoadTestContext context)
    {
        if (!context.Options.Runs(Systems.Ours))
        {
            return;
        }

        var joiners = context.Quick ? 100 : 1_000;
        var scenario = $"replay: {joiners:N0} late joiners, {Events:N0} events behind";
        LoadTestContext.Log($"{scenario}: {Systems.Title(Systems.Ours)}");
        var generation = (await context.Server.CreateAsync(Systems.Ours, 1, prefill: Events))[0];
        var metrics = new ScenarioMetrics { RecordLatency = false };
        await using (var client = new LoadClient(context.Server, metrics))
        {
            var measurement = await context.MeasureAsync(
                Systems.Ours,
                metrics,
                () => client.OpenAsync(Systems.Ours, Enumerable.Repeat(generation, joiners).ToArray()),
                () => metrics.Deliveries >= (long)joiners * Events,
                TimeSpan.FromSeconds(60));
            context.Record(scenario, Systems.Ours, measurement, metrics, latency: false);
            context.Table.Add(scenario, "time to first event p50 (ms)", Systems.Ours, metrics.FirstEvent.PercentileMs(50), higherIsBetter: false);
            context.Table.Add(scenario, "time to first event p99 (ms)", Systems.Ours, metrics.FirstEvent.PercentileMs(99), higherIsBetter: false);
            context.Table.Add(scenario, "time until all joiners caught up (s)", Systems.Ours, measurement.Elapsed.TotalSeconds, higherIsBetter: false);
            LoadTestContext.Log($"  time to first event p50 {metrics.FirstEvent.PercentileMs(50):F1} ms, p99 {metrics.FirstEvent.PercentileMs(99):F1} ms");
        }

        await context.EndAsync(Systems.Ours, [generation]);
    }
}
