using System.Globalization;
using System.Text;
using Iteration.Streaming.LoadTest.Server;

namespace Iteration.Streaming.LoadTest.Report;

/// <summary>The issue's targets, checked against the figures of this run.</summary>
internal static class Targets
{
    /// <summary>
    /// The targets against each run: one run as it always was; several with each run's figure (separated by ·) and in how
    /// many runs each target was met.
    /// </summary>
    public static string Evaluate(IReadOnlyList<ResultTable> runs, LoadTestOptions options)
    {
        var perRun = runs.Select(Rows).ToList();
        var builder = new StringBuilder();
        if (runs.Count > 1)
        {
            builder.AppendLine(CultureInfo.InvariantCulture, $"Targets, judged in each of the {runs.Count} runs (measured: run 1 · run 2 · …).").AppendLine();
        }

        builder.AppendLine("| target | measured | met |");
        builder.AppendLine("|---|---|---|");
        for (var i = 0; i < perRun[0].Count; i++)
        {
            var rows = perRun.Select(r => r[i]).ToList();
            var judged = rows.Where(r => r.Met is not null).ToList();
            var met = judged.Count == 0 ? "not measured"
                : options.Quick ? "– (--quick sizes)"
                : runs.Count == 1 ? (judged[0].Met!.Value ? "yes" : "**no**")
                : judged.All(r => r.Met!.Value) ? $"yes ({judged.Count} of {judged.Count} runs)"
                : $"**no** (met in {judged.Count(r => r.Met!.Value)} of {judged.Count} runs)";
            builder.AppendLine(CultureInfo.InvariantCulture, $"| {rows[0].Target} | {string.Join(" · ", rows.Select(r => r.Measured).Distinct().Count() == 1 ? [rows[0].Measured] : rows.Select(r => r.Measured))} | {met} |");
        }

        if (options.Quick)
        {
            builder.AppendLine().AppendLine("(--quick runs smaller sizes than the targets are set for; run without it to judge them.)");
        }

        return builder.ToString();
    }

    private static List<(string Target, string Measured, bool? Met)> Rows(ResultTable table)
    {
        var rows = new List<(string Target, string Measured, bool? Met)>();

        double? Find(string scenarioPrefix, string metric, string system = Systems.Ours) =>
            table.Results.LastOrDefault(r => r.Scenario.StartsWith(scenarioPrefix, StringComparison.Ordinal) && r.Metric == metric && r.System == system)?.Value;

        // A quick run is smaller than the sizes the targets are set for: its figures are shown, not judged (above).
        void Row(string target, string measured, bool? met) => rows.Add((target, measured, met));

        string F(double? value) => ResultTable.Format(value);

        var held = Find("idle max", "streams held");
        var heap = Find("idle max", "managed heap per stream (KB)");
        Row("≥ 19,000 idle streams at ≤ 8 KB managed memory each", $"{F(held)} streams, {F(heap)} KB each", held is null ? null : held >= 19_000 && heap <= 8);

        var idleOurs = Find("idle 10k streams", "managed heap per stream (KB)");
        var idleFloor = Find("idle 10k streams", "managed heap per stream (KB)", Systems.Floor);
        Row("idle stream ≤ 1 KiB managed memory above the bare Kestrel floor (10k streams)", $"{F(idleOurs)} − {F(idleFloor)} = {F(idleOurs - idleFloor)} KB", idleOurs is null || idleFloor is null ? null : idleOurs - idleFloor <= 1.024);

        var burst = "broadcast 10k watchers, burst";
        var ours = Find(burst, "deliveries/s");
        var typed = Find(burst, "deliveries/s", Systems.Typed);
        var signalR = Find(burst, "deliveries/s", Systems.SignalR);
        var p99 = Find("broadcast 10k watchers, steady", "latency p99 (ms)");
        var stalls = Find(burst, "bursts with a gap above 100 ms");
        var worstGap = table.Results.LastOrDefault(r => r.Scenario.StartsWith(burst, StringComparison.Ordinal) && r.Metric.StartsWith("largest gap between deliveries, max", StringComparison.Ordinal) && r.System == Systems.Ours)?.Value;
        Row("broadcast at 10k watchers: no gap above 100 ms in any burst", $"{F(stalls)} bursts above 100 ms (largest {F(worstGap)} ms)", stalls is null ? null : stalls == 0);
        Row("broadcast at 10k watchers ≥ 2× TypedResults deliveries/s", $"{F(ours)} vs {F(typed)} = ×{F(ours / typed)}", ours is null || typed is null ? null : ours >= 2 * typed);
        Row("broadcast at 10k watchers ≥ 5× SignalR deliveries/s", $"{F(ours)} vs {F(signalR)} = ×{F(ours / signalR)}", ours is null || signalR is null ? null : ours >= 5 * signalR);
        Row("broadcast at 10k watchers p99 ≤ 100 ms (steady)", $"{F(p99)} ms", p99 is null ? null : p99 <= 100);

        var many = Find("many generations", "deliveries/s");
        var manyP99 = Find("many generations", "latency p99 (ms)");
        Row("many generations ≥ 100k deliveries/s at p99 ≤ 50 ms", $"{F(many)}/s at p99 {F(manyP99)} ms", many is null ? null : many >= 100_000 && manyP99 <= 50);

        var redisRate = table.Results.LastOrDefault(r => r.Scenario.EndsWith("read on B", StringComparison.Ordinal) && r.Metric == "events/s appended through Redis")?.Value;
        var redisAlone = table.Results.LastOrDefault(r => r.Scenario.EndsWith("no readers", StringComparison.Ordinal) && r.Metric == "events/s appended through Redis")?.Value;
        var added = Find("Redis backplane", "added p99 (ms)");
        Row("Redis: ≥ 50,000 events/s through the backplane (appended on A and delivered on B)", $"{F(redisRate)}/s ({F(redisAlone)}/s appended with no readers)", redisRate is null ? null : redisRate >= 50_000);
        Row("Redis: added p99 ≤ 2 ms", $"{F(added)} ms", added is null ? null : added <= 2);
        var sqliteAppends = Find("SQLite store:", "events/s appended on SQLite (durable)");
        var sqliteAdded = Find("SQLite store:", "added p99 (ms)");
        var sqliteSteady = Find("SQLite store:", "events/s appended");
        Row("SQLite: ≥ 50,000 events/s appended with group commit (durable)", $"{F(sqliteAppends)}/s back to back ({F(sqliteSteady)}/s at the many-generations load)", sqliteAppends is null ? null : sqliteAppends >= 50_000);
        Row("SQLite: added p99 ≤ 1 ms at the many-generations load", $"{F(sqliteAdded)} ms", sqliteAdded is null ? null : sqliteAdded <= 1);
        var comparison = Scenarios.MultiplexScenario.Comparison;
        double? Compared(string metric, string mode) => table.Get(comparison, metric, mode);
        var steadySingle = Compared("server CPU per delivery, steady (µs)", Scenarios.MultiplexScenario.Single);
        var steadyMultiplexed = Compared("server CPU per delivery, steady (µs)", Scenarios.MultiplexScenario.Multiplexed);
        var burstSingle = Compared("server CPU per delivery, bursts (µs)", Scenarios.MultiplexScenario.Single);
        var burstMultiplexed = Compared("server CPU per delivery, bursts (µs)", Scenarios.MultiplexScenario.Multiplexed);
        Row("multiplex: server CPU per delivery within 1.2× single streams (steady)", $"{F(steadyMultiplexed)} vs {F(steadySingle)} µs = ×{F(steadyMultiplexed / steadySingle)}", steadySingle is null || steadyMultiplexed is null ? null : steadyMultiplexed <= 1.2 * steadySingle);
        Row("multiplex: server CPU per delivery within 1.2× single streams (bursts)", $"{F(burstMultiplexed)} vs {F(burstSingle)} µs = ×{F(burstMultiplexed / burstSingle)}", burstSingle is null || burstMultiplexed is null ? null : burstMultiplexed <= 1.2 * burstSingle);
        var multiplexStalls = table.Results.LastOrDefault(r => r.Scenario == comparison && r.Metric.StartsWith("bursts with a gap above 100 ms", StringComparison.Ordinal) && r.System == Scenarios.MultiplexScenario.Multiplexed)?.Value;
        var multiplexGap = Compared("largest gap, worst burst (ms)", Scenarios.MultiplexScenario.Multiplexed);
        Row("multiplex: no gap above 100 ms in any burst (multiplexed streams)", $"{F(multiplexStalls)} bursts above 100 ms (largest {F(multiplexGap)} ms)", multiplexStalls is null ? null : multiplexStalls == 0);
        var checkSingle = Compared("delivery check failures", Scenarios.MultiplexScenario.Single);
        var checkMultiplexed = Compared("delivery check failures", Scenarios.MultiplexScenario.Multiplexed);
        Row("multiplex: every watcher got every event of every generation exactly once, in order (both phases)", $"{F(checkMultiplexed)} failures multiplexed, {F(checkSingle)} single", checkSingle is null || checkMultiplexed is null ? null : checkSingle == 0 && checkMultiplexed == 0);
        return rows;
    }
}
