using System.Globalization;
using Iteration.Streaming.LoadTest.Scenarios;
using Iteration.Streaming.LoadTest.Server;
using ScottPlot;

namespace Iteration.Streaming.LoadTest.Charts;

/// <summary>
/// Draws the load test's charts (ScottPlot, PNG: its multi-panel figures render to PNG only): deliveries over time during
/// one burst per system, latency percentiles per system in the steady scenarios, memory per idle stream, and time to first
/// event in memory beside SQLite. Several runs:
/// the run's median burst closest to the median of all runs, and medians of the percentiles and of memory.
/// </summary>
internal static class LoadTestCharts
{
    public const string BurstTimeline = "loadtest-burst-timeline.png";
    public const string Latency = "loadtest-latency.png";
    public const string IdleMemory = "loadtest-idle-memory.png";
    public const string Multiplex = "loadtest-multiplex.png";
    public const string FirstEvent = "loadtest-first-event.png";

    private const string Font = "Liberation Sans";

    /// <summary>Writes every chart there is data for to <paramref name="folder"/>; returns their paths.</summary>
    public static IReadOnlyList<string> Write(ChartData data, string folder, int runs)
    {
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        if (DrawBursts(data.Bursts, runs) is { } bursts)
        {
            written.Add(Save(bursts, Path.Combine(folder, BurstTimeline)));
        }

        if (DrawLatencies(data.Latencies, runs) is { } latency)
        {
            written.Add(Save(latency, Path.Combine(folder, Latency)));
        }

        if (DrawIdle(data.Idle, runs) is { } idle)
        {
            written.Add(Save(idle, Path.Combine(folder, IdleMemory)));
        }

        if (DrawMultiplex(data.Multiplex, data.Bursts, runs) is { } multiplex)
        {
            written.Add(Save(multiplex, Path.Combine(folder, Multiplex)));
        }

        if (DrawFirstEvents(data.FirstEvents, runs) is { } firstEvent)
        {
            written.Add(Save(firstEvent, Path.Combine(folder, FirstEvent)));
        }

        return written;
    }

    private static string Save((Multiplot Figure, int Width, int Height) chart, string path)
    {
        chart.Figure.SavePng(path, chart.Width, chart.Height);
        return path;
    }

    /// <summary>
    /// One panel per system: deliveries per millisecond (5 ms bins) during a burst to the most watchers of the broadcast
    /// scenario, from the moment it was asked for; a stall is a flat stretch at zero. Ours' worst burst gets a panel too.
    /// </summary>
    private static (Multiplot, int, int)? DrawBursts(IReadOnlyList<BurstCurve> bursts, int runs)
    {
        var broadcast = bursts.Where(b => b.Scenario.StartsWith("broadcast ", StringComparison.Ordinal)).ToList();
        if (broadcast.Count == 0)
        {
            return null;
        }

        var watchers = broadcast.Max(b => b.Watchers);
        var scenario = broadcast.First(b => b.Watchers == watchers).Scenario;
        var panels = new List<(string Title, string System, long[] Curve)>();
        foreach (var system in Systems.All)
        {
            var medians = broadcast.Where(b => b.Scenario == scenario && b.System == system && b.Kind == BurstKind.Median).OrderBy(b => b.DeliveriesPerSecond).ToList();
            if (medians.Count == 0)
            {
                continue;
            }

            var median = medians[medians.Count / 2];
            panels.Add(($"{Systems.Short(system)}: median burst, {Rate(median.DeliveriesPerSecond)} deliveries/s, largest gap {median.LargestGapMs:F0} ms", system, median.PerMillisecond));
        }

        var worst = broadcast.Where(b => b.Scenario == scenario && b.System == Systems.Ours && b.Kind == BurstKind.Worst).MaxBy(b => b.LargestGapMs);
        if (worst is not null)
        {
            panels.Add(($"ours: worst burst (largest gap), {Rate(worst.DeliveriesPerSecond)} deliveries/s, largest gap {worst.LargestGapMs:F0} ms", Systems.Ours, worst.PerMillisecond));
        }

        var lengthMs = panels.Max(p => p.Curve.Length);

        // Some 400 points across: 1 ms bins for a burst of a tenth of a second, 5 ms for two seconds.
        var binMs = new[] { 1, 2, 5, 10, 20, 50, 100 }.FirstOrDefault(b => lengthMs / b <= 500, 100);
        var plots = new List<Plot>();
        for (var i = 0; i < panels.Count; i++)
        {
            var (title, system, curve) = panels[i];
            var plot = NewPlot(i == 0 ? $"{scenario}: deliveries over time, {watchers:N0} watchers ({binMs} ms bins{(runs > 1 ? $"; each system's median burst from the middle one of {runs} runs" : string.Empty)})\n{title}" : title);
            var bins = new double[(curve.Length + binMs - 1) / binMs];
            for (var ms = 0; ms < curve.Length; ms++)
            {
                bins[ms / binMs] += curve[ms] / (double)binMs;
            }

            var signal = plot.Add.Signal(bins, binMs, ColorOf(system));
            signal.LineWidth = 1.5f;
            plot.Axes.SetLimitsX(0, lengthMs);
            plot.Axes.SetLimitsY(0, Math.Max(1, bins.DefaultIfEmpty(0).Max() * 1.1));
            plot.YLabel("deliveries per ms");
            if (i == panels.Count - 1)
            {
                plot.XLabel("ms since the burst was asked for");
            }

            plots.Add(plot);
        }

        return (Figure(plots), 1100, 70 + (190 * panels.Count));
    }

    /// <summary>One panel per steady scenario: p50, p90, p99 and p99.9 per system (medians over the runs).</summary>
    private static (Multiplot, int, int)? DrawLatencies(IReadOnlyList<LatencySample> samples, int runs)
    {
        // The multiplex scenario's steady phases have a chart of their own.
        var steady = samples.Where(s => (s.Scenario.Contains("steady", StringComparison.Ordinal) && !s.Scenario.StartsWith("multiplex", StringComparison.Ordinal))
            || s.Scenario.StartsWith("many generations", StringComparison.Ordinal)).ToList();
        if (steady.Count == 0)
        {
            return null;
        }

        var scenarios = steady.Select(s => s.Scenario).Distinct().ToList();
        var plots = new List<Plot>();
        for (var i = 0; i < scenarios.Count; i++)
        {
            var ofScenario = steady.Where(s => s.Scenario == scenarios[i]).ToList();
            var systems = Systems.All.Where(system => ofScenario.Any(s => s.System == system)).ToList();
            var groups = LatencySample.Percentiles.Select(p => "p" + p.ToString(CultureInfo.InvariantCulture)).ToArray();
            var values = systems.Select(system => LatencySample.Percentiles.Select((_, p) => MedianOf(ofScenario.Where(s => s.System == system).Select(s => s.PercentilesMs[p]))).ToArray()).ToList();
            var plot = NewPlot($"latency, {scenarios[i]}{(runs > 1 ? $" (medians of {runs} runs)" : string.Empty)}");
            GroupedBars(plot, groups, systems, values, "F1");
            plot.YLabel("ms");
            plots.Add(plot);
        }

        return (Figure(plots), 1100, 60 + (330 * scenarios.Count));
    }

    /// <summary>Time to first event percentiles per concurrency of starts, in memory beside SQLite (medians over the runs).</summary>
    private static (Multiplot, int, int)? DrawFirstEvents(IReadOnlyList<FirstEventLatency> samples, int runs)
    {
        if (samples.Count == 0)
        {
            return null;
        }

        var scenarios = samples.Select(s => s.Scenario).Distinct().ToList();
        var stores = new List<string> { FirstEventScenario.InMemory, FirstEventScenario.OnSqlite };
        var groups = LatencySample.Percentiles.Select(p => "p" + p.ToString(CultureInfo.InvariantCulture)).ToArray();
        var plots = new List<Plot>();
        foreach (var scenario in scenarios)
        {
            var ofScenario = samples.Where(s => s.Scenario == scenario).ToList();
            var values = stores.Select(store => LatencySample.Percentiles.Select((_, p) => MedianOf(ofScenario.Where(s => s.Store == store).Select(s => s.PercentilesMs[p]))).ToArray()).ToList();
            var plot = NewPlot($"{scenario}{(runs > 1 ? $" (medians of {runs} runs)" : string.Empty)}");
            GroupedBars(plot, groups, stores, values, "F1");
            plot.YLabel("ms from POST to the first event");
            plots.Add(plot);
        }

        return (Figure(plots), 1100, 60 + (330 * scenarios.Count));
    }

    /// <summary>Managed heap and RSS per idle stream, per size (and protocol) and system (medians over the runs).</summary>
    private static (Multiplot, int, int)? DrawIdle(IReadOnlyList<IdleSample> samples, int runs)
    {
        if (samples.Count == 0)
        {
            return null;
        }

        var groups = samples.Select(s => (s.Streams, s.Protocol)).Distinct().OrderBy(g => g.Streams).ThenBy(g => g.Protocol == "h2c").ToList();
        var labels = groups.Select(g => (g.Streams % 1000 == 0 ? $"{g.Streams / 1000}k" : $"{g.Streams / 1000.0:F1}k") + (g.Protocol == "h2c" ? " h2c" : string.Empty)).ToArray();
        var systems = Systems.All.Where(system => samples.Any(s => s.System == system)).ToList();
        var plots = new List<Plot>();
        foreach (var (title, pick) in new (string, Func<IdleSample, double>)[] { ("managed heap per idle stream", s => s.HeapKB), ("RSS per idle stream", s => s.RssKB) })
        {
            var values = systems.Select(system => groups.Select(g => MedianOf(samples.Where(s => s.System == system && s.Streams == g.Streams && s.Protocol == g.Protocol).Select(pick))).ToArray()).ToList();
            var plot = NewPlot($"{title} (KB; HTTP/1.1 unless marked h2c{(runs > 1 ? $"; medians of {runs} runs" : string.Empty)})");
            GroupedBars(plot, labels, systems, values, "F1");
            plot.YLabel("KB per stream");
            plots.Add(plot);
        }

        return (Figure(plots), 1100, 700);
    }

    /// <summary>
    /// The multiplex scenario, single streams against multiplexed ones (medians over the runs): server CPU per delivery,
    /// steady latency, memory per watcher, and deliveries over time in each one's median burst (from the middle run).
    /// </summary>
    private static (Multiplot, int, int)? DrawMultiplex(IReadOnlyList<MultiplexSample> samples, IReadOnlyList<BurstCurve> bursts, int runs)
    {
        if (samples.Count == 0)
        {
            return null;
        }

        var modes = new[] { MultiplexScenario.Single, MultiplexScenario.Multiplexed };
        var medians = runs > 1 ? $"; medians of {runs} runs" : string.Empty;
        double[] Of(string mode, params Func<MultiplexSample, double>[] picks) =>
            [.. picks.Select(pick => MedianOf(samples.Where(s => s.Mode == mode).Select(pick)))];

        var cpu = NewPlot($"multiplex: server CPU per delivery (µs{medians})");
        GroupedBars(cpu, ["steady", "bursts"], [.. modes], [.. modes.Select(m => Of(m, s => s.SteadyCpuUs, s => s.BurstCpuUs))], "F2");
        cpu.YLabel("µs per delivery");
        var latency = NewPlot($"multiplex: latency, steady (ms{medians})");
        GroupedBars(latency, ["p50", "p99"], [.. modes], [.. modes.Select(m => Of(m, s => s.SteadyP50Ms, s => s.SteadyP99Ms))], "F1");
        latency.YLabel("ms");
        var memory = NewPlot($"multiplex: server memory per watcher of {MultiplexScenario.Members} generations (KB{medians})");
        GroupedBars(memory, ["managed heap", "RSS"], [.. modes], [.. modes.Select(m => Of(m, s => s.HeapPerWatcherKB, s => s.RssPerWatcherKB))], "F1");
        memory.YLabel("KB per watcher");
        var plots = new List<Plot> { cpu, latency, memory };

        var curves = modes
            .Select(mode => bursts.Where(b => b.System == mode && b.Kind == BurstKind.Median && b.Scenario.StartsWith("multiplex", StringComparison.Ordinal)).OrderBy(b => b.DeliveriesPerSecond).ToList())
            .Where(c => c.Count > 0)
            .Select(c => c[c.Count / 2])
            .ToList();
        if (curves.Count > 0)
        {
            var lengthMs = curves.Max(c => c.PerMillisecond.Length);
            var binMs = new[] { 1, 2, 5, 10, 20, 50, 100 }.FirstOrDefault(b => lengthMs / b <= 500, 100);
            foreach (var curve in curves)
            {
                var plot = NewPlot($"{curve.System}: median burst, {Rate(curve.DeliveriesPerSecond)} deliveries/s, largest gap {curve.LargestGapMs:F0} ms ({binMs} ms bins)");
                var bins = new double[(curve.PerMillisecond.Length + binMs - 1) / binMs];
                for (var ms = 0; ms < curve.PerMillisecond.Length; ms++)
                {
                    bins[ms / binMs] += curve.PerMillisecond[ms] / (double)binMs;
                }

                var signal = plot.Add.Signal(bins, binMs, ColorOf(curve.System));
                signal.LineWidth = 1.5f;
                plot.Axes.SetLimitsX(0, lengthMs);
                plot.Axes.SetLimitsY(0, Math.Max(1, bins.DefaultIfEmpty(0).Max() * 1.1));
                plot.YLabel("deliveries per ms");
                plots.Add(plot);
            }

            plots[^1].XLabel("ms since the burst was asked for");
        }

        return (Figure(plots), 1100, 60 + (260 * plots.Count));
    }

    /// <summary>Bars grouped by <paramref name="groups"/>, one per system measured in each group (NaN: not measured, left out).</summary>
    private static void GroupedBars(Plot plot, string[] groups, List<string> systems, List<double[]> values, string format)
    {
        var bars = new List<Bar>();
        var ticks = new List<double>();
        var position = 0.0;
        for (var g = 0; g < groups.Length; g++)
        {
            var first = position;
            for (var s = 0; s < systems.Count; s++)
            {
                var value = values[s][g];
                if (double.IsNaN(value))
                {
                    continue;
                }

                bars.Add(new Bar
                {
                    Position = position++,
                    Value = value,
                    FillColor = ColorOf(systems[s]),
                    Label = value.ToString(format, CultureInfo.InvariantCulture),
                });
            }

            ticks.Add((first + position - 1) / 2);
            position++;
        }

        var barPlot = plot.Add.Bars(bars);
        barPlot.ValueLabelStyle.FontSize = 10;
        barPlot.ValueLabelStyle.FontName = Font;
        plot.Axes.Bottom.SetTicks([.. ticks], groups);
        plot.Axes.Margins(bottom: 0, top: 0.15);
        foreach (var system in systems)
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = Systems.Short(system), FillColor = ColorOf(system) });
        }

        plot.ShowLegend(Edge.Right);
        plot.Legend.FontName = Font;
    }

    private static Plot NewPlot(string title)
    {
        var plot = new Plot();
        plot.Font.Set(Font);
        plot.Title(title, size: 13);
        return plot;
    }

    /// <summary>The plots one above the other.</summary>
    private static Multiplot Figure(List<Plot> plots)
    {
        var figure = new Multiplot(plots[0]) { Layout = new ScottPlot.MultiplotLayouts.Rows() };
        foreach (var plot in plots.Skip(1))
        {
            figure.AddPlot(plot);
        }

        return figure;
    }

    private static double MedianOf(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToList();
        return sorted.Count == 0 ? double.NaN
            : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2]
            : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Rate(double perSecond) =>
        perSecond >= 1_000_000 ? $"{perSecond / 1_000_000:F2} M" : $"{perSecond / 1_000:F0}k";

    /// <summary>The same colour for a system in every chart.</summary>
    private static Color ColorOf(string system) => system switch
    {
        Systems.Ours => Color.FromHex("#1f77b4"),
        Systems.Floor => Color.FromHex("#7f7f7f"),
        Systems.Naive => Color.FromHex("#ff7f0e"),
        Systems.Typed => Color.FromHex("#2ca02c"),
        Systems.SignalR => Color.FromHex("#d62728"),
        MultiplexScenario.Single => Color.FromHex("#aec7e8"),
        MultiplexScenario.Multiplexed => Color.FromHex("#1f77b4"),
        FirstEventScenario.InMemory => Color.FromHex("#aec7e8"),
        FirstEventScenario.OnSqlite => Color.FromHex("#1f77b4"),
        _ => Color.FromHex("#9467bd"),
    };
}
