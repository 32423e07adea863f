using System.Diagnostics;
using Iteration.Streaming.LoadTest.Charts;
using Iteration.Streaming.LoadTest.Client;
using Iteration.Streaming.LoadTest.Report;
using Iteration.Streaming.LoadTest.Server;

namespace Iteration.Streaming.LoadTest.Scenarios;

/// <summary>What every scenario uses: the options, the server, the result table, the charts' data, and the measuring loop.</summary>
internal sealed class LoadTestContext(LoadTestOptions options, ServerProcess server, ResultTable table, ChartData? charts = null)
{
    /// <summary>What the charts are drawn from (shared by every run; a context of its own when none is given).</summary>
    public ChartData Charts { get; } = charts ?? new ChartData();

    public LoadTestOptions Options { get; } = options;

    public ServerProcess Server { get; } = server;

    public ResultTable Table { get; } = table;

    public bool Quick => Options.Quick;

    public IEnumerable<string> Systems => Options.Systems;

    public static void Log(string message) =>
        Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");

    /// <summary>
    /// Runs <paramref name="produce"/> and waits (at most <paramref name="drainTimeout"/> after it returned) until
    /// <paramref name="done"/>; measures time, deliveries and both processes' CPU over that window.
    /// </summary>
    public async Task<Measurement> MeasureAsync(string system, ScenarioMetrics metrics, Func<Task> produce, Func<bool> done, TimeSpan drainTimeout)
    {
        var before = await Server.StatsAsync(system);
        var clientCpu = ProcessStats.CpuTime();
        var started = Stopwatch.GetTimestamp();
        await produce();
        var drainDeadline = Stopwatch.GetTimestamp() + (long)(drainTimeout.TotalSeconds * Stopwatch.Frequency);
        var complete = done();
        while (!complete && Stopwatch.GetTimestamp() < drainDeadline)
        {
            await Task.Delay(2);
            complete = done();
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        var clientCpuUsed = ProcessStats.CpuTime() - clientCpu;
        var after = await Server.StatsAsync(system);
        var deliveries = metrics.Deliveries;
        if (!complete)
        {
            Log($"  {system}: not every expected event arrived within {drainTimeout.TotalSeconds:F0} s of the end of production ({deliveries:N0} delivered).");
        }

        return new Measurement(
            elapsed,
            deliveries,
            TimeSpan.FromMilliseconds(after.CpuMs - before.CpuMs),
            clientCpuUsed,
            complete,
            after.AllocatedBytes - before.AllocatedBytes);
    }

    /// <summary>Records the usual figures of a measured run under <paramref name="scenario"/>.</summary>
    public void Record(string scenario, string system, Measurement measurement, ScenarioMetrics metrics, bool latency = true)
    {
        Table.Add(scenario, "deliveries/s", system, measurement.DeliveriesPerSecond, higherIsBetter: true);
        if (latency)
        {
            Table.Add(scenario, "latency p50 (ms)", system, metrics.Latency.PercentileMs(50), higherIsBetter: false);
            Table.Add(scenario, "latency p99 (ms)", system, metrics.Latency.PercentileMs(99), higherIsBetter: false);
            Table.Add(scenario, "latency p99.9 (ms)", system, metrics.Latency.PercentileMs(99.9), higherIsBetter: false);
            Charts.Add(new LatencySample(scenario, system, [.. LatencySample.Percentiles.Select(metrics.Latency.PercentileMs)]));
        }

        Table.Add(scenario, "server CPU per delivery (µs)", system, measurement.ServerCpuMicrosecondsPerDelivery, higherIsBetter: false);
        Table.Add(scenario, "server allocated per delivery (B)", system, measurement.AllocatedBytesPerDelivery, higherIsBetter: false);
        Table.Add(scenario, "load generator CPU (% of 1 core)", system, measurement.ClientCpuPercent, higherIsBetter: false);
        Table.Add(scenario, "errors", system, metrics.Errors + metrics.OrderErrors + (measurement.Complete ? 0 : 1), higherIsBetter: false);
        Log($"  {system}: {measurement.Deliveries:N0} deliveries in {measurement.Elapsed.TotalSeconds:F2} s = {measurement.DeliveriesPerSecond:N0}/s; "
            + $"p50 {metrics.Latency.PercentileMs(50):F2} ms, p99 {metrics.Latency.PercentileMs(99):F2} ms, p99.9 {metrics.Latency.PercentileMs(99.9):F2} ms; "
            + $"server CPU {measurement.ServerCpuMicrosecondsPerDelivery:F2} µs/delivery ({measurement.ServerCpuPercent:F0} % of a core), "
            + $"load generator {measurement.ClientCpuPercent:F0} %; errors {metrics.Errors + metrics.OrderErrors}"
            + (metrics.FirstError is null ? string.Empty : $" (first: {metrics.FirstError})"));
    }

    /// <summary>
    /// Warms a system up (JIT, pools, connections, scripts) with a short burst and a short steady run to a few streams,
    /// so the first measured scenario does not pay for it.
    /// </summary>
    public static async Task WarmUpAsync(ServerProcess producer, ServerProcess reader, string system)
    {
        var generations = await producer.CreateAsync(system, 20);
        var metrics = new ScenarioMetrics();
        await using (var client = new LoadClient(reader, metrics))
        {
            await client.OpenAsync(system, generations.SelectMany(g => Enumerable.Repeat(g, 5)).ToArray());
            var ids = generations.Select(g => g.Id).ToArray();
            await producer.ProduceAsync(new ProduceRequest(system, ids, BurstSize: 100, Bursts: 1));
            await producer.ProduceAsync(new ProduceRequest(system, ids, Rates: [50], DurationMs: 1_000));
            var expected = 100L * 150;
            var deadline = Stopwatch.GetTimestamp() + (10 * Stopwatch.Frequency);
            while (metrics.Deliveries < expected && Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(10);
            }
        }

        await producer.EndAsync(system, generations.Select(g => g.Id).ToArray());
    }

    /// <summary>
    /// Ends a run's generations (our streams close after their terminal event; baseline topics are dropped) and, for ours,
    /// waits until retention has removed their logs, so the next run's memory figures do not include them.
    /// </summary>
    public async Task EndAsync(string system, IEnumerable<CreatedGeneration> generations)
    {
        var ids = generations.Select(g => g.Id).ToArray();
        await Server.EndAsync(system, ids);
        if (system != Iteration.Streaming.LoadTest.Server.Systems.Ours)
        {
            return;
        }

        var deadline = Stopwatch.GetTimestamp() + (15 * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline && await Server.ExistingAsync(ids) > 0)
        {
            await Task.Delay(100);
        }
    }
}

/// <summary>One measured window.</summary>
internal sealed record Measurement(TimeSpan Elapsed, long Deliveries, TimeSpan ServerCpu, TimeSpan ClientCpu, bool Complete, long ServerAllocatedBytes)
{
    public double DeliveriesPerSecond => Deliveries / Math.Max(Elapsed.TotalSeconds, 1e-9);

    public double ServerCpuMicrosecondsPerDelivery => Deliveries == 0 ? double.NaN : ServerCpu.TotalMicroseconds / Deliveries;

    public double AllocatedBytesPerDelivery => Deliveries == 0 ? double.NaN : (double)ServerAllocatedBytes / Deliveries;

    public double ServerCpuPercent => 100 * ServerCpu.TotalSeconds / Math.Max(Elapsed.TotalSeconds, 1e-9);

    public double ClientCpuPercent => 100 * ClientCpu.TotalSeconds / Math.Max(Elapsed.TotalSeconds, 1e-9);
}
