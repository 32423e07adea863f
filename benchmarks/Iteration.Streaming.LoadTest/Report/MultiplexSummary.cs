using System.Globalization;
using System.Text;
using Iteration.Streaming.LoadTest.Scenarios;

namespace Iteration.Streaming.LoadTest.Report;

/// <summary>
/// The multiplex scenario's comparison: each figure for the single streams and the multiplexed ones of the same run, and
/// multiplexed ÷ single per run (below 1: the multiplexed streams cost less). Several runs: min / median / max over the
/// runs, the ratio too (each run's ratio, not a ratio of medians: both phases of a run share its machine's load).
/// </summary>
internal static class MultiplexSummary
{
    public static string ToMarkdown(IReadOnlyList<ResultTable> runs)
    {
        var metrics = runs.SelectMany(r => r.Results).Where(r => r.Scenario == MultiplexScenario.Comparison).Select(r => r.Metric).Distinct().ToList();
        if (metrics.Count == 0)
        {
            return string.Empty;
        }

        var builder = new StringBuilder();
        builder.AppendLine(runs.Count > 1
            ? $"Multiplexed streams against single streams, the same events in the same server process (each cell min / median / max over the {runs.Count} runs; the ratio is each run's)."
            : "Multiplexed streams against single streams, the same events in the same server process.");
        builder.AppendLine();
        builder.AppendLine("| figure | single streams | multiplexed | multiplexed ÷ single |");
        builder.AppendLine("|---|---:|---:|---:|");
        foreach (var metric in metrics)
        {
            var single = ResultTable.Values(runs, MultiplexScenario.Comparison, metric, MultiplexScenario.Single);
            var multiplexed = ResultTable.Values(runs, MultiplexScenario.Comparison, metric, MultiplexScenario.Multiplexed);
            var ratios = runs
                .Select(r => (Single: r.Get(MultiplexScenario.Comparison, metric, MultiplexScenario.Single), Multiplexed: r.Get(MultiplexScenario.Comparison, metric, MultiplexScenario.Multiplexed)))
                .Where(p => p.Single is > 0 && p.Multiplexed is { } m && !double.IsNaN(m))
                .Select(p => p.Multiplexed!.Value / p.Single!.Value)
                .ToList();
            var ratio = ratios.Count == 0 ? "–" : string.Join(" / ", RangeOf(ratios).Select(v => "×" + v.ToString(v >= 10 ? "F0" : "F2", CultureInfo.InvariantCulture)).Distinct());
            builder.AppendLine(CultureInfo.InvariantCulture, $"| {metric} | {ResultTable.FormatRange(single)} | {ResultTable.FormatRange(multiplexed)} | {ratio} |");
        }

        return builder.ToString();
    }

    /// <summary>Min, median and max.</summary>
    public static double[] RangeOf(IReadOnlyCollection<double> values) => [values.Min(), ResultTable.Median(values)!.Value, values.Max()];
}
