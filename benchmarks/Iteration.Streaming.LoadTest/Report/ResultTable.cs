using System.Globalization;
using System.Text;
using Iteration.Streaming.LoadTest.Server;

namespace Iteration.Streaming.LoadTest.Report;

/// <summary>
/// Collects the figures and prints one Markdown table: ours, each baseline, and how many times better ours is than it
/// (×2.0 = twice the throughput, or half the latency, memory or CPU).
/// </summary>
internal sealed class ResultTable
{
    private readonly List<RunResult> _results = [];
    private readonly List<string> _notes = [];

    public IReadOnlyList<RunResult> Results => _results;

    public void Add(string scenario, string metric, string system, double value, bool higherIsBetter) =>
        _results.Add(new RunResult(scenario, metric, system, value, higherIsBetter));

    public void Note(string note) => _notes.Add(note);

    public double? Get(string scenario, string metric, string system) =>
        _results.LastOrDefault(r => r.Scenario == scenario && r.Metric == metric && r.System == system)?.Value;

    /// <summary>
    /// One run's table as it always was; several runs' as one table whose cells are min / median / max over the runs (one
    /// figure where all runs agree), with ratios of the medians.
    /// </summary>
    public static string ToMarkdown(IReadOnlyList<ResultTable> runs)
    {
        if (runs.Count == 1)
        {
            return runs[0].ToMarkdown();
        }

        var builder = new StringBuilder();
        builder.AppendLine(CultureInfo.InvariantCulture, $"Each cell: min / median / max over {runs.Count} runs (one figure where every run gave the same); ratios compare the medians.");
        builder.AppendLine();
        builder.AppendLine("| scenario | metric | ours | floor | ours vs floor | naive | ours vs naive | TypedResults | ours vs TypedResults | SignalR | ours vs SignalR |");
        builder.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (scenario, metric, higherIsBetter) in runs.SelectMany(r => r._results).Where(r => Systems.All.Contains(r.System)).Select(r => (r.Scenario, r.Metric, r.HigherIsBetter)).DistinctBy(r => (r.Scenario, r.Metric)))
        {
            var ours = Values(runs, scenario, metric, Systems.Ours);
            builder.Append("| ").Append(scenario).Append(" | ").Append(metric).Append(" | ");
            builder.Append(FormatRange(ours)).Append(" | ");
            foreach (var baseline in new[] { Systems.Floor, Systems.Naive, Systems.Typed, Systems.SignalR })
            {
                var other = Values(runs, scenario, metric, baseline);
                builder.Append(FormatRange(other)).Append(" | ");
                builder.Append(Ratio(Median(ours), Median(other), higherIsBetter)).Append(" | ");
            }

            builder.Length -= 1;
            builder.AppendLine();
        }

        foreach (var note in runs.SelectMany(r => r._notes).Distinct())
        {
            builder.AppendLine().Append("- ").Append(note);
        }

        builder.AppendLine();
        return builder.ToString();
    }

    /// <summary>A figure of every run that has it (NaN left out), in run order.</summary>
    public static List<double> Values(IEnumerable<ResultTable> runs, string scenario, string metric, string system) =>
        runs.Select(r => r.Get(scenario, metric, system)).OfType<double>().Where(v => !double.IsNaN(v)).ToList();

    public static double? Median(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0)
        {
            return null;
        }

        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>"min / median / max", or the one figure when they are all the same; millions as "1.91 M".</summary>
    public static string FormatRange(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0)
        {
            return "–";
        }

        var figures = new[] { values.Min(), Median(values)!.Value, values.Max() }.Select(Compact).ToArray();
        return figures.Distinct().Count() == 1 ? figures[0] : string.Join(" / ", figures);
    }

    private static string Compact(double value) =>
        Math.Abs(value) >= 1_000_000 ? (value / 1_000_000).ToString("F2", CultureInfo.InvariantCulture) + " M" : Format(value);

    public string ToMarkdown()
    {
        var builder = new StringBuilder();
        builder.AppendLine("| scenario | metric | ours | floor | ours vs floor | naive | ours vs naive | TypedResults | ours vs TypedResults | SignalR | ours vs SignalR |");
        builder.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        // Rows of other "systems" (the multiplex comparison's single and multiplexed) have tables of their own.
        foreach (var row in _results.Where(r => Systems.All.Contains(r.System)).GroupBy(r => (r.Scenario, r.Metric)))
        {
            var ours = row.LastOrDefault(r => r.System == Systems.Ours);
            builder.Append("| ").Append(row.Key.Scenario).Append(" | ").Append(row.Key.Metric).Append(" | ");
            builder.Append(Format(ours?.Value)).Append(" | ");
            foreach (var baseline in new[] { Systems.Floor, Systems.Naive, Systems.Typed, Systems.SignalR })
            {
                var other = row.LastOrDefault(r => r.System == baseline);
                builder.Append(Format(other?.Value)).Append(" | ");
                builder.Append(Ratio(ours, other)).Append(" | ");
            }

            builder.Length -= 1;
            builder.AppendLine();
        }

        foreach (var note in _notes)
        {
            builder.AppendLine().Append("- ").Append(note);
        }

        builder.AppendLine();
        return builder.ToString();
    }

    public static string Format(double? value)
    {
        if (value is not { } v || double.IsNaN(v))
        {
            return "–";
        }

        var abs = Math.Abs(v);
        return abs switch
        {
            >= 100_000 => v.ToString("N0", CultureInfo.InvariantCulture),
            >= 1_000 => v.ToString("N0", CultureInfo.InvariantCulture),
            >= 100 => v.ToString("F0", CultureInfo.InvariantCulture),
            >= 10 => v.ToString("F1", CultureInfo.InvariantCulture),
            >= 1 => v.ToString("F2", CultureInfo.InvariantCulture),
            0 => "0",
            _ => v.ToString("F3", CultureInfo.InvariantCulture),
        };
    }

    private static string Ratio(RunResult? ours, RunResult? other) =>
        Ratio(ours?.Value, other?.Value, ours?.HigherIsBetter ?? true);

    private static string Ratio(double? ours, double? other, bool higherIsBetter)
    {
        if (ours is not { } o || other is not { } b || double.IsNaN(o) || double.IsNaN(b) || o <= 0 || b <= 0)
        {
            return "–";
        }

        var ratio = higherIsBetter ? o / b : b / o;
        return "×" + ratio.ToString(ratio >= 10 ? "F0" : "F1", CultureInfo.InvariantCulture);
    }
}
