using Iteration.Streaming.LoadTest.Client;
using Iteration.Streaming.LoadTest.Server;

namespace Iteration.Streaming.LoadTest.Scenarios;

/// <summary>
/// (5) Slow consumers: the same steady load twice, first with every client reading, then with 1 % that stop reading after
/// their first event (tiny receive buffers). The readers' p99 must not move; the server's managed heap must stay bounded.
/// Events carry a 4 KB partial_output so stopped readers fill their socket buffers within seconds.
/// </summary>
internal static class SlowConsumersScenario
{
    private const int PayloadBytes = 4_096;

    public static async Task RunAsync(LoadTestContext context)
    {
        var watchers = context.Quick ? 200 : 1_000;
        var generationsCount = 10;
        var rate = 20;
        var durationMs = context.Quick ? 1_000 : 5_000;
        var scenario = $"slow consumers: {watchers:N0} watchers of {generationsCount} generations, {rate} ev/s, 4 KB events";
        foreach (var system in context.Systems)
        {
            LoadTestContext.Log($"{scenario}: {Systems.Title(system)}");
            var allReading = await RunOnceAsync(context, system, watchers, generationsCount, rate, durationMs, slowEvery: 0);
            var withSlow = await RunOnceAsync(context, system, watchers, generationsCount, rate, durationMs, slowEvery: 100);
            context.Table.Add(scenario, "readers' p99, all reading (ms)", system, allReading.P99, higherIsBetter: false);
            context.Table.Add(scenario, "readers' p99, 1 % stopped (ms)", system, withSlow.P99, higherIsBetter: false);
            // Both growths as measured (after a full GC, from the streams' open to the end of production): our log keeps the run's
            // events (bounded by MaxEventsPerGeneration), and Kestrel's memory pool releases blocks at its own pace (±6 MB).
            context.Table.Add(scenario, "heap growth, all reading (MB)", system, allReading.HeapGrowthBytes / 1048576.0, higherIsBetter: false);
            context.Table.Add(scenario, "heap growth, 1 % stopped (MB)", system, withSlow.HeapGrowthBytes / 1048576.0, higherIsBetter: false);
            context.Table.Add(scenario, "errors", system, allReading.Errors + withSlow.Errors, higherIsBetter: false);
            LoadTestContext.Log($"  {system}: readers' p99 {allReading.P99:F2} ms → {withSlow.P99:F2} ms with 1 % stopped; "
                + $"heap growth {allReading.HeapGrowthBytes / 1048576.0:F1} MB → {withSlow.HeapGrowthBytes / 1048576.0:F1} MB");
        }
    }

    private static async Task<Outcome> RunOnceAsync(LoadTestContext context, string system, int watchers, int generationsCount, int rate, int durationMs, int slowEvery)
    {
        var generations = await context.Server.CreateAsync(system, generationsCount);
        var targets = Enumerable.Range(0, watchers).Select(i => generations[i % generationsCount]).ToArray();
        var metrics = new ScenarioMetrics();
        Outcome outcome;
        await using (var client = new LoadClient(context.Server, metrics))
        {
            await client.OpenAsync(system, targets, slow: i => slowEvery > 0 && i % slowEvery == slowEvery - 1);
            var before = await context.Server.CollectAsync(system);
            var perGeneration = (long)(rate * durationMs / 1000);
            var readers = client.Connections.Where(c => !c.Slow).ToArray();
            var measurement = await context.MeasureAsync(
                system,
                metrics,
                () => context.Server.ProduceAsync(new ProduceRequest(system, generations.Select(g => g.Id).ToArray(), Rates: [rate], DurationMs: durationMs, PayloadBytes: PayloadBytes)),
                () => readers.All(c => c.Delivered >= perGeneration),
                TimeSpan.FromSeconds(20));
            var after = await context.Server.CollectAsync(system);
            outcome = new Outcome(metrics.Latency.PercentileMs(99), after.HeapBytes - before.HeapBytes, metrics.Errors + metrics.OrderErrors + (measurement.Complete ? 0 : 1));
        }

        await context.EndAsync(system, generations);
        return outcome;
    }

    private sealed record Outcome(double P99, long HeapGrowthBytes, long Errors);
}
