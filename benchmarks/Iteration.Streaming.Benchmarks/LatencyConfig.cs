using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Iteration.Streaming.Benchmarks;

/// <summary>
/// For operations of milliseconds whose tail matters (a request's answer): every iteration is one call, none is removed
/// as an outlier, and the table shows the percentiles over those calls (p50, p95, p99 and the slowest). In process: no
/// separate build of the benchmarks (run it without <c>--job</c> or <c>--inProcess</c>, which would add a second job).
/// </summary>
public sealed class LatencyConfig : ManualConfig
{
    /// <summary>Calls measured per benchmark (after <see cref="WarmupCalls"/>): enough for a p99 that is not the maximum.</summary>
    public const int MeasuredCalls = 200;

    /// <summary>Calls made before measuring, so that JIT tiering and the file cache have settled.</summary>
    public const int WarmupCalls = 20;

    public LatencyConfig()
    {
        AddJob(Job.Default
            .WithStrategy(RunStrategy.Monitoring)
            .WithLaunchCount(1)
            .WithWarmupCount(WarmupCalls)
            .WithIterationCount(MeasuredCalls)
            .WithInvocationCount(1)
            .WithUnrollFactor(1)
            .WithOutlierMode(Perfolizer.Mathematics.OutlierDetection.OutlierMode.DontRemove)
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithId("Latency"));
        AddColumn(StatisticColumn.P50, StatisticColumn.P95, new PercentileColumn(99), StatisticColumn.Max);
    }
}
