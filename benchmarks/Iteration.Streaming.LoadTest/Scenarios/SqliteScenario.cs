using Iteration.Streaming.LoadTest.Client;
using Iteration.Streaming.LoadTest.Server;

namespace Iteration.Streaming.LoadTest.Scenarios;

/// <summary>
/// The SQLite store (issue 11) side by side with the in-memory one, each in its own server process of the same build:
/// the many-generations load (latency from the append's start to the watcher, so the commit a durable event waits for
/// is in it) and appends back to back with nobody reading (events/s through group commit, every event durable, FULL sync).
/// </summary>
internal static class SqliteScenario
{
    public static async Task RunAsync(LoadTestContext context)
    {
        if (!context.Options.Runs(Systems.Ours))
        {
            return;
        }

        var folder = Directory.CreateTempSubdirectory("iteration-load-sqlite-").FullName;
        try
        {
            await using (var sqlite = await ServerProcess.StartAsync("sqlite", null, "--sqlite", folder))
            {
                LoadTestContext.Log($"sqlite: server process {sqlite.ProcessId} with its store in {folder}");
                await LoadTestContext.WarmUpAsync(sqlite, sqlite, Systems.Ours);

                var count = context.Quick ? 500 : 8_500;
                var durationMs = context.Options.SteadyMs > 0 ? context.Options.SteadyMs : context.Quick ? 1_000 : 5_000;
                var scenario = $"SQLite store: {count:N0} generations × 1–3 watchers, 2–10 ev/s (the many-generations load)";
                var inMemory = await SteadyAsync(context, context.Server, count, durationMs);
                var onSqlite = await SteadyAsync(context, sqlite, count, durationMs);
                context.Table.Add(scenario, "events/s appended", Systems.Ours, onSqlite.EventsPerSecond, higherIsBetter: true);
                context.Table.Add(scenario, "latency p50 in memory (ms)", Systems.Ours, inMemory.P50, higherIsBetter: false);
                context.Table.Add(scenario, "latency p50 on SQLite (ms)", Systems.Ours, onSqlite.P50, higherIsBetter: false);
                context.Table.Add(scenario, "latency p99 in memory (ms)", Systems.Ours, inMemory.P99, higherIsBetter: false);
                context.Table.Add(scenario, "latency p99 on SQLite (ms)", Systems.Ours, onSqlite.P99, higherIsBetter: false);
                context.Table.Add(scenario, "added p99 (ms)", Systems.Ours, onSqlite.P99 - inMemory.P99, higherIsBetter: false);
                context.Table.Add(scenario, "errors", Systems.Ours, inMemory.Errors + onSqlite.Errors, higherIsBetter: false);
                LoadTestContext.Log($"  {onSqlite.EventsPerSecond:N0} events/s; p50 {inMemory.P50:F2} → {onSqlite.P50:F2} ms, p99 {inMemory.P99:F2} → {onSqlite.P99:F2} ms (in memory → SQLite)");

                var saturated = context.Quick ? 32 : 256;
                var saturateMs = context.Quick ? 1_000 : 3_000;
                var appends = $"SQLite store: {saturated} generations appending back to back, no readers";
                var memoryRate = await SaturateAsync(context.Server, saturated, saturateMs);
                var sqliteRate = await SaturateAsync(sqlite, saturated, saturateMs);
                context.Table.Add(appends, "events/s appended in memory", Systems.Ours, memoryRate.EventsPerSecond, higherIsBetter: true);
                context.Table.Add(appends, "events/s appended on SQLite (durable)", Systems.Ours, sqliteRate.EventsPerSecond, higherIsBetter: true);
                context.Table.Add(appends, "errors", Systems.Ours, memoryRate.Failures + sqliteRate.Failures, higherIsBetter: false);
                LoadTestContext.Log($"  no readers: {memoryRate.EventsPerSecond:N0}/s in memory, {sqliteRate.EventsPerSecond:N0}/s on SQLite; failures {memoryRate.Failures + sqliteRate.Failures}");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<Outcome> SteadyAsync(LoadTestContext context, ServerProcess server, int count, int durationMs)
    {
        var rates = Enumerable.Range(0, count).Select(i => 2.0 + (i * 7 % 9)).ToArray();
        var watchersOf = Enumerable.Range(0, count).Select(i => 1 + (i % 3)).ToArray();
        var expected = Enumerable.Range(0, count).Sum(i => (long)Math.Floor(durationMs / 1000.0 * rates[i]) * watchersOf[i]);
        var generations = await server.CreateAsync(Systems.Ours, count);
        var metrics = new ScenarioMetrics();
        Outcome outcome;
        await using (var client = new LoadClient(server, metrics))
        {
            await client.OpenAsync(Systems.Ours, generations.SelectMany((g, i) => Enumerable.Repeat(g, watchersOf[i])).ToArray(), timeout: TimeSpan.FromSeconds(120));
            var serverContext = new LoadTestContext(context.Options, server, context.Table);
            ProduceResult? produced = null;
            var measurement = await serverContext.MeasureAsync(
                Systems.Ours,
                metrics,
                async () => produced = await server.ProduceAsync(new ProduceRequest(Systems.Ours, generations.Select(g => g.Id).ToArray(), Rates: rates, DurationMs: durationMs)),
                () => metrics.Deliveries >= expected - metrics.Errors * 10,
                TimeSpan.FromSeconds(20));
            outcome = new Outcome(
                produced!.Published / (produced.ElapsedMs / 1000),
                metrics.Latency.PercentileMs(50),
                metrics.Latency.PercentileMs(99),
                metrics.Errors + metrics.OrderErrors + (measurement.Complete ? 0 : 1));
        }

        await new LoadTestContext(context.Options, server, context.Table).EndAsync(Systems.Ours, generations);
        return outcome;
    }

    private static async Task<(double EventsPerSecond, long Failures)> SaturateAsync(ServerProcess server, int count, int durationMs)
    {
        var generations = await server.CreateAsync(Systems.Ours, count);
        var ids = generations.Select(g => g.Id).ToArray();
        var produced = await server.ProduceAsync(new ProduceRequest(Systems.Ours, ids, DurationMs: durationMs, Saturate: true));
        await server.EndAsync(Systems.Ours, ids);
        return (produced.Published / (produced.ElapsedMs / 1000), produced.Failures);
    }

    private sealed record Outcome(double EventsPerSecond, double P50, double P99, long Errors);
}
