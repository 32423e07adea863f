using System.Globalization;
using System.Text;
using Iteration.Streaming.LoadTest.Server;

namespace Iteration.Streaming.LoadTest.Report;

/// <summary>
/// The bursts' throughput with the stall metric beside it: per burst scenario and system, deliveries/s of the median and
/// the slowest burst, the largest gap between two consecutive deliveries (median and worst burst), and how many bursts of
/// all runs had a gap above 100 ms. Several runs: min / median / max over the runs.
/// </summary>
internal static class BurstSummary
{
    private const string StallMetric = "bursts with a gap above 100 ms";

    public static string ToMarkdown(IReadOnlyList<ResultTable> runs)
    {
        var scenarios = runs.SelectMany(r => r.Results).Where(r => r.Metric == StallMetric).Select(r => r.Scenario).Distinct().ToList();
        if (scenarios.Count == 0)
        {
            return string.Empty;
        }

        var builder = new StringBuilder();
        builder.AppendLine(runs.Count > 1
            ? $"Bursts: throughput and stalls side by side (each cell min / median / max over the {runs.Count} runs; the last column counts the bursts of all runs)."
            : "Bursts: throughput and stalls side by side.");
        builder.AppendLine();
        builder.AppendLine("| burst | system | deliveries/s, median burst | deliveries/s, slowest burst | largest gap, median burst (ms) | largest gap, worst burst (ms) | bursts with a gap above 100 ms |");
        builder.AppendLine("|---|---|---:|---:|---:|---:|---:|");
        foreach (var scenario in scenarios)
        {
            var rows = runs.SelectMany(r => r.Results).Where(r => r.Scenario == scenario).ToList();
            foreach (var system in Systems.All.Where(s => rows.Any(r => r.System == s && r.Metric == StallMetric)))
            {
                string Range(string metricPrefix)
                {
                    var metric = rows.FirstOrDefault(r => r.System == system && r.Metric.StartsWith(metricPrefix, StringComparison.Ordinal))?.Metric;
                    return metric is null ? "–" : ResultTable.FormatRange(ResultTable.Values(runs, scenario, metric, system));
                }

                var perRun = rows.First(r => r.System == system && r.Metric.StartsWith("deliveries/s, median of ", StringComparison.Ordinal)).Metric;
                var burstsPerRun = int.Parse(perRun.Split(' ')[3], CultureInfo.InvariantCulture);
                var stalls = ResultTable.Values(runs, scenario, StallMetric, system);
                builder.AppendLine(CultureInfo.InvariantCulture,
                    $"| {scenario} | {Systems.Short(system)} | {Range("deliveries/s, median of ")} | {Range("deliveries/s, min of ")} | {Range("largest gap between deliveries, median of ")} | {Range("largest gap between deliveries, max of ")} | {stalls.Sum():F0} of {burstsPerRun * stalls.Count} |");
            }
        }

        return builder.ToString();
    }
}
