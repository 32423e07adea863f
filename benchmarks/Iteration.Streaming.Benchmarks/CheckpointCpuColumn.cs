using System.Collections.Concurrent;
using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Iteration.Streaming.Benchmarks;

/// <summary>
/// The process CPU time (all threads) per phase of <see cref="CheckpointBenchmarks"/>, the mean over the measured runs
/// (the last <see cref="CheckpointCpuConfig.MeasuredRuns"/> recorded; warm-up runs come first), or its ratio to the same
/// store with checkpoints off.
/// </summary>
public sealed class CheckpointCpuColumn(bool ratio) : IColumn
{
    private static readonly ConcurrentDictionary<string, List<double>> Runs = new(StringComparer.Ordinal);

    public string Id => ratio ? "CheckpointCpuRatio" : "CheckpointCpu";

    public string ColumnName => ratio ? "CPU on/off" : "CPU/phase (ms)";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => ratio ? 1 : 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => ratio
        ? "Process CPU per phase divided by that with checkpoints off, same store, same run"
        : "Process CPU time (every thread) per phase, mean of the measured runs";

    internal static void Reset(CheckpointBenchmarks benchmark) => Runs[Key(benchmark.Store, benchmark.Checkpoints)] = [];

    internal static void Record(CheckpointBenchmarks benchmark, TimeSpan cpu)
    {
        var runs = Runs.GetOrAdd(Key(benchmark.Store, benchmark.Checkpoints), _ => []);
        lock (runs)
        {
            runs.Add(cpu.TotalMilliseconds / CheckpointBenchmarks.PhasesPerRun);
        }
    }

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var store = (string)benchmarkCase.Parameters["Store"];
        var on = (string)benchmarkCase.Parameters["Checkpoints"];
        if (Mean(store, on) is not { } mine)
        {
            return "NA";
        }

        if (!ratio)
        {
            return mine.ToString("N2", CultureInfo.InvariantCulture);
        }

        return Mean(store, CheckpointBenchmarks.Off) is { } off and > 0 ? (mine / off).ToString("N3", CultureInfo.InvariantCulture) : "NA";
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    private static double? Mean(string store, string on)
    {
        if (!Runs.TryGetValue(Key(store, on), out var runs))
        {
            return null;
        }

        lock (runs)
        {
            var measured = runs.Skip(Math.Max(0, runs.Count - CheckpointCpuConfig.MeasuredRuns)).ToList();
            return measured.Count == 0 ? null : measured.Average();
        }
    }

    private static string Key(string store, string checkpoints) => store + "/" + checkpoints;
}
