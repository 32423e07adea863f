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

    public string ToMarkdown()
    {
        var builder = new StringBuilder();
        builder.AppendLine("| scenario | metric | ours | floor | ours vs floor | naive | ours vs naive | TypedResults | ours vs TypedResults | SignalR | ours vs SignalR |");
        builder.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var row in _results.GroupBy(r => (r.Scenario, r.Metric)))
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

    private static string Ratio(RunResult? ours, RunResult? other)
    {
        if (ours is null || other is null || double.IsNaN(ours.Value) || double.IsNaN(other.Value) || ours.Value <= 0 || other.Value <= 0)
        {
            return "–";
        }

        var ratio = ours.HigherIsBetter ? ours.Value / other.Value : other.Value / ours.Value;
        return "×" + ratio.ToString(ratio >= 10 ? "F0" : "F1", CultureInfo.InvariantCulture);
    }
}
