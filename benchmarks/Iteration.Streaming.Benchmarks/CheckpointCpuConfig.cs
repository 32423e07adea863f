using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Iteration.Streaming.Benchmarks;

/// <summary>
/// For <see cref="CheckpointBenchmarks"/>: every iteration is one run, in process (so <see cref="CheckpointCpuColumn"/>
/// reads the CPU times the runs recorded), with the process CPU per phase and its ratio next to the wall time.
/// </summary>
public sealed class CheckpointCpuConfig : ManualConfig
{
    /// <summary>Runs measured per case, after <see cref="WarmupRuns"/>.</summary>
    public const int MeasuredRuns = 15;

    /// <summary>Runs made before measuring (JIT tiering, the file cache, SQLite's pages).</summary>
    public const int WarmupRuns = 3;

    public CheckpointCpuConfig()
    {
        AddJob(Job.Default
            .WithStrategy(RunStrategy.Monitoring)
            .WithLaunchCount(1)
            .WithWarmupCount(WarmupRuns)
            .WithIterationCount(MeasuredRuns)
            .WithInvocationCount(1)
            .WithUnrollFactor(1)
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithId("CheckpointCpu"));
        AddColumn(StatisticColumn.P50, new CheckpointCpuColumn(ratio: false), new CheckpointCpuColumn(ratio: true));
    }
}
