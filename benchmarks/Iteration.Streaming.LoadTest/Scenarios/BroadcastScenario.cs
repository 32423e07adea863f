using Iteration.Streaming.LoadTest.Charts;
using Iteration.Streaming.LoadTest.Client;
using Iteration.Streaming.LoadTest.Server;

namespace Iteration.Streaming.LoadTest.Scenarios;

/// <summary>
/// (2) Broadcast: one generation, W watchers. Steady: a fixed event rate for a few seconds (latency under load). Burst:
/// events appended back to back (throughput: how fast every watcher has them all).
/// </summary>
internal static class BroadcastScenario
{
    public static async Task RunAsync(LoadTestContext context)
    {
        var sizes = context.Quick ? new[] { 1_000 } : [1_000, 10_000];
        foreach (var watchers in sizes)
        {
            // 50k deliveries/s offered at 1k watchers, 100k/s at 10k.
            var rate = watchers >= 10_000 ? 10 : 50;
            var durationMs = context.Options.SteadyMs > 0 ? context.Options.SteadyMs : context.Quick ? 1_000 : 3_000;
            // Issue 16's broadcast at 10k: 100 events of ~150 B (a million deliveries, half a second or more); 500 at 1k, so
            // the measured window is not a matter of milliseconds either.
            var burst = context.Quick ? 100 : watchers >= 10_000 ? 100 : 500;
            var steady = $"broadcast {watchers / 1000}k watchers, steady {rate} ev/s";
            var bursty = $"broadcast {watchers / 1000}k watchers, burst of {burst}";
            foreach (var system in context.Systems)
            {
                LoadTestContext.Log($"broadcast {watchers:N0} watchers: {Systems.Title(system)}");
                var generation = (await context.Server.CreateAsync(system, 1))[0];
                var metrics = new ScenarioMetrics();
                await using (var client = new LoadClient(context.Server, metrics))
                {
                    await client.OpenAsync(system, Enumerable.Repeat(generation, watchers).ToArray());
                    var open = client.Connections.Count - metrics.Errors;

                    var expected = open * (long)(rate * durationMs / 1000);
                    var measurement = await context.MeasureAsync(
                        system,
                        metrics,
                        () => context.Server.ProduceAsync(new ProduceRequest(system, [generation.Id], Rates: [rate], DurationMs: durationMs)),
                        () => metrics.Deliveries >= expected,
                        TimeSpan.FromSeconds(20));
                    context.Record(steady, system, measurement, metrics);

                    var bursts = context.Options.Bursts ?? (context.Quick ? 3 : watchers >= 10_000 ? 20 : 5);
                    await MeasureBurstsAsync(context, bursty, watchers, system, generation.Id, open, burst, bursts, metrics);
                }

                await context.EndAsync(system, [generation]);
            }
        }
    }

    /// <summary>
    /// Bursts, repeated, to <paramref name="open"/> streams of one generation: throughput over all of them and, per burst,
    /// the largest gap between two consecutive deliveries across all watchers (a server that stops sending mid-burst
    /// shows there). Records the rows under <paramref name="scenario"/> and, for the charts, the run's median and worst burst.
    /// </summary>
    public static async Task MeasureBurstsAsync(
        LoadTestContext context, string scenario, int watchers, string system, string generationId, long open, int burst, int bursts, ScenarioMetrics metrics)
    {
        var expected = open * burst;
        var results = new List<(double Rate, double Gap, long[] Curve)>();
        Measurement? last = null;
        for (var i = 0; i < bursts; i++)
        {
            metrics.Reset();
            var before = metrics.Deliveries;
            last = await context.MeasureAsync(
                system,
                metrics,
                () => context.Server.ProduceAsync(new ProduceRequest(system, [generationId], BurstSize: burst, Bursts: 1)),
                () => metrics.Deliveries - before >= expected,
                TimeSpan.FromSeconds(30));
            results.Add((last.DeliveriesPerSecond, metrics.Timeline.LargestGap().TotalMilliseconds, metrics.Timeline.Curve(TimeSpan.FromMilliseconds(1))));
        }

        context.Record(scenario, system, last!, metrics);
        var rates = results.Select(r => r.Rate).Order().ToList();
        var gaps = results.Select(r => r.Gap).Order().ToList();
        var stalls = gaps.Count(g => g > 100);
        context.Table.Add(scenario, $"deliveries/s, median of {bursts} bursts", system, rates[rates.Count / 2], higherIsBetter: true);
        context.Table.Add(scenario, $"deliveries/s, min of {bursts} bursts", system, rates[0], higherIsBetter: true);
        context.Table.Add(scenario, $"largest gap between deliveries, median of {bursts} bursts (ms)", system, gaps[gaps.Count / 2], higherIsBetter: false);
        context.Table.Add(scenario, $"largest gap between deliveries, max of {bursts} bursts (ms)", system, gaps[^1], higherIsBetter: false);
        context.Table.Add(scenario, "bursts with a gap above 100 ms", system, stalls, higherIsBetter: false);
        LoadTestContext.Log($"  {system}: {bursts} bursts, deliveries/s {rates[0]:N0}–{rates[^1]:N0} (median {rates[rates.Count / 2]:N0}); largest gap per burst {gaps[0]:F0}–{gaps[^1]:F0} ms, {stalls} above 100 ms");

        var median = results.OrderBy(r => r.Rate).ElementAt(results.Count / 2);
        var worst = results.MaxBy(r => r.Gap);
        context.Charts.Add(new BurstCurve(scenario, watchers, system, BurstKind.Median, median.Rate, median.Gap, median.Curve));
        context.Charts.Add(new BurstCurve(scenario, watchers, system, BurstKind.Worst, worst.Rate, worst.Gap, worst.Curve));
    }
}
