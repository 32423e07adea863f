using Iteration.Streaming.LoadTest.Client;
using Iteration.Streaming.LoadTest.Server;

namespace Iteration.Streaming.LoadTest.Scenarios;

/// <summary>(3) Many generations, each with 1–3 watchers and its own rate of 2–10 events/s.</summary>
internal static class ManyGenerationsScenario
{
    public static async Task RunAsync(LoadTestContext context)
    {
        var count = context.Quick ? 500 : 8_500;
        var durationMs = context.Options.SteadyMs > 0 ? context.Options.SteadyMs : context.Quick ? 1_000 : 5_000;
        var rates = Enumerable.Range(0, count).Select(i => 2.0 + (i * 7 % 9)).ToArray();
        var watchersOf = Enumerable.Range(0, count).Select(i => 1 + (i % 3)).ToArray();
        var streams = watchersOf.Sum();
        var expected = Enumerable.Range(0, count).Sum(i => (long)Math.Floor(durationMs / 1000.0 * rates[i]) * watchersOf[i]);
        var scenario = $"many generations: {count:N0} × 1–3 watchers ({streams:N0} streams), 2–10 ev/s";
        foreach (var system in context.Systems)
        {
            LoadTestContext.Log($"{scenario}: {Systems.Title(system)}");
            var generations = await context.Server.CreateAsync(system, count);
            var targets = generations.SelectMany((g, i) => Enumerable.Repeat(g, watchersOf[i])).ToArray();
            var metrics = new ScenarioMetrics();
            await using (var client = new LoadClient(context.Server, metrics))
            {
                await client.OpenAsync(system, targets, timeout: TimeSpan.FromSeconds(120));
                var measurement = await context.MeasureAsync(
                    system,
                    metrics,
                    () => context.Server.ProduceAsync(new ProduceRequest(system, generations.Select(g => g.Id).ToArray(), Rates: rates, DurationMs: durationMs)),
                    () => metrics.Deliveries >= expected - metrics.Errors * 10,
                    TimeSpan.FromSeconds(20));
                context.Record(scenario, system, measurement, metrics);
            }

            await context.EndAsync(system, generations);
        }
    }
}
