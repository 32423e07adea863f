using Iteration.Streaming.LoadTest.Client;
using Iteration.Streaming.LoadTest.Server;

namespace Iteration.Streaming.LoadTest.Scenarios;

/// <summary>
/// Redis backplane (issue 8): two app instances sharing a local redis-server; the producer appends on A, the watchers read
/// from B. Throughput: every generation appends as fast as its appends complete. Latency: a steady load measured through
/// Redis and, for reference, on the in-memory server; the difference is what the backplane adds.
/// </summary>
internal static class RedisScenario
{
    public static async Task RunAsync(LoadTestContext context)
    {
        if (!context.Options.Runs(Systems.Ours))
        {
            return;
        }

        await using var redis = await RedisServerProcess.TryStartAsync(context.Options.RedisServer);
        if (redis is null)
        {
            const string Skipped = "Redis scenario skipped: redis-server is not installed (apt-get install -y redis-server), or pass --redis-server PATH.";
            LoadTestContext.Log(Skipped);
            context.Table.Note(Skipped);
            return;
        }

        LoadTestContext.Log($"redis: redis-server on port {redis.Port}; starting instances A (producer) and B (watchers)");
        await using var a = await ServerProcess.StartAsync("instance-a", redis.Configuration);
        await using var b = await ServerProcess.StartAsync("instance-b", redis.Configuration);

        await LoadTestContext.WarmUpAsync(a, b, Systems.Ours);
        var count = context.Quick ? 50 : 100;
        var rate = 20;
        var durationMs = context.Quick ? 1_000 : 4_000;
        var scenario = $"Redis backplane: {count} generations × 1 watcher, {rate} ev/s, produced on A, read on B";

        var inMemory = await SteadyAsync(context, context.Server, context.Server, count, rate, durationMs);
        await ResetStatsAsync(redis);
        var viaRedis = await SteadyAsync(context, a, b, count, rate, durationMs);
        LoadTestContext.Log($"  redis-server, steady load: {await CommandStatsAsync(redis)}");
        context.Table.Add(scenario, "latency p50 in memory (ms)", Systems.Ours, inMemory.P50, higherIsBetter: false);
        context.Table.Add(scenario, "latency p50 via Redis (ms)", Systems.Ours, viaRedis.P50, higherIsBetter: false);
        context.Table.Add(scenario, "latency p99 in memory (ms)", Systems.Ours, inMemory.P99, higherIsBetter: false);
        context.Table.Add(scenario, "latency p99 via Redis (ms)", Systems.Ours, viaRedis.P99, higherIsBetter: false);
        context.Table.Add(scenario, "added p99 (ms)", Systems.Ours, viaRedis.P99 - inMemory.P99, higherIsBetter: false);
        context.Table.Add(scenario, "errors", Systems.Ours, inMemory.Errors + viaRedis.Errors, higherIsBetter: false);
        context.Table.Add(scenario, "append on A p50 via Redis (ms)", Systems.Ours, viaRedis.AppendP50, higherIsBetter: false);
        context.Table.Add(scenario, "append on A p99 via Redis (ms)", Systems.Ours, viaRedis.AppendP99, higherIsBetter: false);
        LoadTestContext.Log($"  p50 {inMemory.P50:F2} → {viaRedis.P50:F2} ms, p99 {inMemory.P99:F2} → {viaRedis.P99:F2} ms (in memory → via Redis); "
            + $"of which the append on A: p50 {inMemory.AppendP50:F2} → {viaRedis.AppendP50:F2} ms, p99 {inMemory.AppendP99:F2} → {viaRedis.AppendP99:F2} ms");

        var saturated = context.Quick ? 32 : 64;
        var saturateMs = context.Quick ? 500 : 3_000;

        // The backplane alone: appends through Redis with nobody reading, so the SSE delivery on B takes no CPU.
        var alone = await a.CreateAsync(Systems.Ours, saturated);
        var appendsOnly = await a.ProduceAsync(new ProduceRequest(Systems.Ours, alone.Select(g => g.Id).ToArray(), DurationMs: saturateMs, Saturate: true));
        await a.EndAsync(Systems.Ours, alone.Select(g => g.Id).ToArray());
        var appendsOnlyRate = appendsOnly.Published / (appendsOnly.ElapsedMs / 1000);
        context.Table.Add($"Redis backplane: {saturated} generations appending back to back on A, no readers", "events/s appended through Redis", Systems.Ours, appendsOnlyRate, higherIsBetter: true);
        LoadTestContext.Log($"  no readers: {appendsOnly.Published:N0} events appended in {appendsOnly.ElapsedMs / 1000:F2} s = {appendsOnlyRate:N0}/s; failures {appendsOnly.Failures}");

        var throughput = $"Redis backplane: {saturated} generations appending back to back on A, read on B";
        var generations = await a.CreateAsync(Systems.Ours, saturated);
        var metrics = new ScenarioMetrics();
        ProduceResult? produced = null;
        await using (var client = new LoadClient(b, metrics))
        {
            await client.OpenAsync(Systems.Ours, generations);
            var bContext = new LoadTestContext(context.Options, b, context.Table);
            var measurement = await bContext.MeasureAsync(
                Systems.Ours,
                metrics,
                async () => produced = await a.ProduceAsync(new ProduceRequest(Systems.Ours, generations.Select(g => g.Id).ToArray(), DurationMs: saturateMs, Saturate: true)),
                () => metrics.Deliveries >= produced!.Published,
                TimeSpan.FromSeconds(20));
            var eventsPerSecond = produced!.Published / (produced.ElapsedMs / 1000);
            context.Table.Add(throughput, "events/s appended through Redis", Systems.Ours, eventsPerSecond, higherIsBetter: true);
            context.Table.Add(throughput, "deliveries/s on B", Systems.Ours, measurement.DeliveriesPerSecond, higherIsBetter: true);
            context.Table.Add(throughput, "errors", Systems.Ours, metrics.Errors + metrics.OrderErrors + produced.Failures + (measurement.Complete ? 0 : 1), higherIsBetter: false);
            LoadTestContext.Log($"  {produced.Published:N0} events appended in {produced.ElapsedMs / 1000:F2} s = {eventsPerSecond:N0}/s; "
                + $"{measurement.Deliveries:N0} delivered on B = {measurement.DeliveriesPerSecond:N0}/s; errors {metrics.Errors + metrics.OrderErrors + produced.Failures}"
                + (metrics.FirstError is null ? string.Empty : $" (first: {metrics.FirstError})"));
        }

        await a.EndAsync(Systems.Ours, generations.Select(g => g.Id).ToArray());
    }

    private static async Task<Outcome> SteadyAsync(LoadTestContext context, ServerProcess producer, ServerProcess reader, int count, int rate, int durationMs)
    {
        var generations = await producer.CreateAsync(Systems.Ours, count);
        var metrics = new ScenarioMetrics();
        Outcome outcome;
        await using (var client = new LoadClient(reader, metrics))
        {
            await client.OpenAsync(Systems.Ours, generations);
            var expected = count * (long)(rate * durationMs / 1000);
            var readerContext = new LoadTestContext(context.Options, reader, context.Table);
            ProduceResult? produced = null;
            var measurement = await readerContext.MeasureAsync(
                Systems.Ours,
                metrics,
                async () => produced = await producer.ProduceAsync(new ProduceRequest(Systems.Ours, generations.Select(g => g.Id).ToArray(), Rates: [rate], DurationMs: durationMs)),
                () => metrics.Deliveries >= expected,
                TimeSpan.FromSeconds(20));
            outcome = new Outcome(
                metrics.Latency.PercentileMs(50), metrics.Latency.PercentileMs(99), metrics.Errors + metrics.OrderErrors + (measurement.Complete ? 0 : 1),
                produced!.AppendP50Ms, produced.AppendP99Ms);
        }

        await producer.EndAsync(Systems.Ours, generations.Select(g => g.Id).ToArray());
        return outcome;
    }

    private static async Task ResetStatsAsync(RedisServerProcess redis)
    {
        await using var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.Configuration + ",allowAdmin=true");
        await connection.GetServer(redis.Configuration).ExecuteAsync("CONFIG", "RESETSTAT");
    }

    /// <summary>Redis's own time per command (<c>INFO commandstats</c>): what the scripts cost inside redis-server.</summary>
    private static async Task<string> CommandStatsAsync(RedisServerProcess redis)
    {
        await using var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.Configuration + ",allowAdmin=true");
        var info = (string?)await connection.GetServer(redis.Configuration).ExecuteAsync("INFO", "commandstats") ?? string.Empty;
        return string.Join("; ", info.Split('\n', StringSplitOptions.TrimEntries)
            .Where(l => l.StartsWith("cmdstat_", StringComparison.Ordinal))
            .Select(l => l["cmdstat_".Length..]));
    }

    private sealed record Outcome(double P50, double P99, long Errors, double AppendP50, double AppendP99);
}
