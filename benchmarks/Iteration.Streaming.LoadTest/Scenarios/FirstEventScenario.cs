using System.Diagnostics;
using Iteration.Streaming.LoadTest.Charts;
using Iteration.Streaming.LoadTest.Client;
using Iteration.Streaming.LoadTest.Server;

namespace Iteration.Streaming.LoadTest.Scenarios;

/// <summary>
/// Time to first event (issue 28): from the moment a client sends <c>POST /generations</c> (the real start route, engine
/// and generator) to the moment a watcher of the new generation, connected as soon as the 202 arrived, has its first
/// event frame. One start at a time and 500 released at once, in memory and on SQLite (WAL, FULL sync), each store in its
/// own server process of the same build. Only ours: the baselines have no start route.
/// </summary>
internal static class FirstEventScenario
{
    public const int ConcurrentStarts = 500;

    /// <summary>The "systems" of the chart: the two stores.</summary>
    public const string InMemory = "in memory";

    public const string OnSqlite = "SQLite";

    public static async Task RunAsync(LoadTestContext context)
    {
        if (!context.Options.Runs(Systems.Ours))
        {
            return;
        }

        var sequential = context.Quick ? 50 : 200;
        var rounds = context.Quick ? 1 : 4;
        var folder = Directory.CreateTempSubdirectory("iteration-load-first-").FullName;
        try
        {
            await using (var sqlite = await ServerProcess.StartAsync("first-sqlite", null, "--sqlite", folder))
            {
                LoadTestContext.Log($"first: SQLite server process {sqlite.ProcessId} with its store in {folder}");
                using var memory = new StartWatcher(context.Server.BaseAddress);
                using var durable = new StartWatcher(sqlite.BaseAddress);

                // The start path is warmed (JIT, pools, connections, the SQLite file) with a round of each size, unmeasured.
                foreach (var watcher in new[] { memory, durable })
                {
                    var warmUp = new FirstEventSample();
                    await watcher.SequentialAsync(20, warmUp);
                    await watcher.ConcurrentAsync(ConcurrentStarts, warmUp);
                    if (warmUp.Errors > 0)
                    {
                        LoadTestContext.Log($"  warm-up: {warmUp.Errors} errors (first: {warmUp.FirstError})");
                    }
                }

                var one = $"time to first event: 1 start at a time, {sequential} starts";
                LoadTestContext.Log(one);
                var memoryOne = new FirstEventSample();
                var sqliteOne = new FirstEventSample();
                await MeasureAsync(InMemory, context.Server, memoryOne, () => memory.SequentialAsync(sequential, memoryOne));
                await MeasureAsync(OnSqlite, sqlite, sqliteOne, () => durable.SequentialAsync(sequential, sqliteOne));
                Record(context, one, memoryOne, sqliteOne, cpu: false);

                var many = $"time to first event: {ConcurrentStarts} concurrent starts × {rounds} round{(rounds == 1 ? string.Empty : "s")}";
                LoadTestContext.Log(many);
                var memoryMany = new FirstEventSample();
                var sqliteMany = new FirstEventSample();
                for (var round = 0; round < rounds; round++)
                {
                    await MeasureAsync(InMemory, context.Server, memoryMany, () => memory.ConcurrentAsync(ConcurrentStarts, memoryMany));
                    await MeasureAsync(OnSqlite, sqlite, sqliteMany, () => durable.ConcurrentAsync(ConcurrentStarts, sqliteMany));
                }

                Record(context, many, memoryMany, sqliteMany, cpu: true);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// Runs <paramref name="starts"/> and adds the server's and this process's CPU time over them to <paramref name="sample"/>;
    /// logs what the server did meanwhile, so that a slow round can be told apart from a collection or a JIT.
    /// </summary>
    private static async Task MeasureAsync(string store, ServerProcess server, FirstEventSample sample, Func<Task> starts)
    {
        var before = await server.StatsAsync(Systems.Ours);
        var client = ProcessStats.CpuTime();
        var started = Stopwatch.GetTimestamp();
        await starts();
        var elapsed = Stopwatch.GetElapsedTime(started);
        sample.ClientCpuMs += (ProcessStats.CpuTime() - client).TotalMilliseconds;
        var after = await server.StatsAsync(Systems.Ours);
        sample.ServerCpuMs += after.CpuMs - before.CpuMs;
        LoadTestContext.Log($"    {store}: {elapsed.TotalMilliseconds:F0} ms; server CPU {after.CpuMs - before.CpuMs:F0} ms, "
            + $"allocated {(after.AllocatedBytes - before.AllocatedBytes) / 1048576.0:F0} MB, gen2 +{after.Gen2Collections - before.Gen2Collections}, "
            + $"threads {before.ThreadCount}→{after.ThreadCount}, methods jitted +{after.JitCompiledMethods - before.JitCompiledMethods}");
    }

    /// <param name="cpu">
    /// Whether the server's CPU per start goes in the table: only where the starts keep the cores busy. One start at a
    /// time leaves both processes mostly waiting for the run's commits, and their CPU meanwhile is dominated by what is
    /// not the start's work (the tiered JIT's background compilation, logged per block): the load generator, which only
    /// waits, shows it too.
    /// </param>
    private static void Record(LoadTestContext context, string scenario, FirstEventSample memory, FirstEventSample sqlite, bool cpu)
    {
        var table = context.Table;
        table.Add(scenario, "first events measured (in memory + on SQLite)", Systems.Ours, memory.FirstEvent.Count + sqlite.FirstEvent.Count, higherIsBetter: true);
        table.Add(scenario, "time to first event p50 (ms) in memory", Systems.Ours, memory.FirstEvent.PercentileMs(50), higherIsBetter: false);
        table.Add(scenario, "time to first event p50 (ms) on SQLite", Systems.Ours, sqlite.FirstEvent.PercentileMs(50), higherIsBetter: false);
        table.Add(scenario, "time to first event p99 (ms) in memory", Systems.Ours, memory.FirstEvent.PercentileMs(99), higherIsBetter: false);
        table.Add(scenario, "time to first event p99 (ms) on SQLite", Systems.Ours, sqlite.FirstEvent.PercentileMs(99), higherIsBetter: false);
        table.Add(scenario, "added p50 (ms)", Systems.Ours, sqlite.FirstEvent.PercentileMs(50) - memory.FirstEvent.PercentileMs(50), higherIsBetter: false);
        table.Add(scenario, "added p99 (ms)", Systems.Ours, sqlite.FirstEvent.PercentileMs(99) - memory.FirstEvent.PercentileMs(99), higherIsBetter: false);
        table.Add(scenario, "of which POST answered (202) p50 (ms) in memory", Systems.Ours, memory.Answered.PercentileMs(50), higherIsBetter: false);
        table.Add(scenario, "of which POST answered (202) p50 (ms) on SQLite", Systems.Ours, sqlite.Answered.PercentileMs(50), higherIsBetter: false);
        table.Add(scenario, "of which POST answered (202) p99 (ms) in memory", Systems.Ours, memory.Answered.PercentileMs(99), higherIsBetter: false);
        table.Add(scenario, "of which POST answered (202) p99 (ms) on SQLite", Systems.Ours, sqlite.Answered.PercentileMs(99), higherIsBetter: false);
        if (cpu)
        {
            table.Add(scenario, "server CPU per start, its whole run (ms) in memory", Systems.Ours, memory.ServerCpuMsPerStart, higherIsBetter: false);
            table.Add(scenario, "server CPU per start, its whole run (ms) on SQLite", Systems.Ours, sqlite.ServerCpuMsPerStart, higherIsBetter: false);
        }

        table.Add(scenario, "errors", Systems.Ours, memory.Errors + sqlite.Errors, higherIsBetter: false);
        context.Charts.Add(new FirstEventLatency(scenario, InMemory, [.. LatencySample.Percentiles.Select(memory.FirstEvent.PercentileMs)]));
        context.Charts.Add(new FirstEventLatency(scenario, OnSqlite, [.. LatencySample.Percentiles.Select(sqlite.FirstEvent.PercentileMs)]));

        foreach (var (store, sample) in new[] { (InMemory, memory), (OnSqlite, sqlite) })
        {
            LoadTestContext.Log($"  {store}: {sample.FirstEvent.Count:N0} starts; first event p50 {sample.FirstEvent.PercentileMs(50):F2} ms, "
                + $"p99 {sample.FirstEvent.PercentileMs(99):F2} ms, max {sample.FirstEvent.PercentileMs(100):F2} ms "
                + $"(202 p50 {sample.Answered.PercentileMs(50):F2} ms, p99 {sample.Answered.PercentileMs(99):F2} ms); server CPU {sample.ServerCpuMsPerStart:F2} ms per start, "
                + $"load generator {sample.ClientCpuMs / Math.Max(1, sample.FirstEvent.Count):F2} ms; "
                + $"first events: {sample.FirstEvents}; ended: {sample.Endings} ({(double)sample.Events / Math.Max(1, sample.FirstEvent.Count):F1} events a run); errors {sample.Errors}"
                + (sample.FirstError is null ? string.Empty : $" (first: {sample.FirstError})"));
        }
    }
}
