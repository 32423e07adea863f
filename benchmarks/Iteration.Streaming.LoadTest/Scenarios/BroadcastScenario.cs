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
            // Long enough (0.5–2 million deliveries) that the measured window is not a matter of milliseconds.
            var burst = context.Quick ? 100 : watchers >= 10_000 ? 200 : 500;
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

                    // Bursts, repeated: throughput over all of them and, per burst, the largest gap between two consecutive
                    // deliveries across all watchers (a server that stops sending mid-burst shows there).
                    expected = open * (long)burst;
                    var bursts = context.Options.Bursts ?? (context.Quick ? 3 : watchers >= 10_000 ? 20 : 5);
                    var rates = new List<double>();
                    var gaps = new List<double>();
                    Measurement? last = null;
                    for (var i = 0; i < bursts; i++)
                    {
                        metrics.Reset();
                        var before = metrics.Deliveries;
                        last = await context.MeasureAsync(
                            system,
                            metrics,
                            () => context.Server.ProduceAsync(new ProduceRequest(system, [generation.Id], BurstSize: burst, Bursts: 1)),
                            () => metrics.Deliveries - before >= expected,
                            TimeSpan.FromSeconds(30));
                        rates.Add(last.DeliveriesPerSecond);
                        gaps.Add(metrics.Timeline.LargestGap().TotalMilliseconds);
                    }

                    context.Record(bursty, system, last!, metrics);
                    rates.Sort();
                    gaps.Sort();
                    context.Table.Add(bursty, $"deliveries/s, median of {bursts} bursts", system, rates[rates.Count / 2], higherIsBetter: true);
                    context.Table.Add(bursty, $"deliveries/s, min of {bursts} bursts", system, rates[0], higherIsBetter: true);
                    context.Table.Add(bursty, $"largest gap between deliveries, median of {bursts} bursts (ms)", system, gaps[gaps.Count / 2], higherIsBetter: false);
                    context.Table.Add(bursty, $"largest gap between deliveries, max of {bursts} bursts (ms)", system, gaps[^1], higherIsBetter: false);
                    context.Table.Add(bursty, "bursts with a gap above 100 ms", system, gaps.Count(g => g > 100), higherIsBetter: false);
                    LoadTestContext.Log($"  {system}: {bursts} bursts, deliveries/s {rates[0]:N0}–{rates[^1]:N0} (median {rates[rates.Count / 2]:N0}); largest gap per burst {gaps[0]:F0}–{gaps[^1]:F0} ms, {gaps.Count(g => g > 100)} above 100 ms");
                }

                await context.EndAsync(system, [generation]);
            }
        }
    }
}
