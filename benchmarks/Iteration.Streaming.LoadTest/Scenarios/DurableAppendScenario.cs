using System.Diagnostics;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.LoadTest.Client;
using Iteration.Streaming.LoadTest.Server;
using Iteration.Streaming.Sqlite.Storage;

namespace Iteration.Streaming.LoadTest.Scenarios;

/// <summary>
/// The durable append path alone (issue 28): events appended through <see cref="IGenerationEventLog"/> in this process,
/// no HTTP, the in-memory log beside SQLite with <c>synchronous = FULL</c> (the default) and <c>NORMAL</c>, in the same
/// run. Two loads:
/// <list type="bullet">
/// <item>closed loop: many generations each appending back to back for a few seconds (sustained events/s, not a
/// burst into an empty file), with the writer's time split by stage (statements, commit with its flush, publish);</item>
/// <item>open loop: an offered rate spread over many generations, each on its own schedule, one watcher on each; the
/// latency is from the moment an event was due to the moment its watcher read it (time queued counts).</item>
/// </list>
/// </summary>
internal static class DurableAppendScenario
{
    private const string Memory = "in memory";
    private const string Full = "SQLite FULL";
    private const string Normal = "SQLite NORMAL";

    public static async Task RunAsync(LoadTestContext context)
    {
        var quick = context.Quick;
        var closedGenerations = quick ? 500 : 4_000;
        var closedMs = context.Options.SteadyMs > 0 ? context.Options.SteadyMs : quick ? 1_500 : 5_000;
        var loads = quick
            ? new[] { (Generations: 500, Rate: 3_000) }
            : [(500, 3_000), (8_500, 51_000)];
        var openMs = context.Options.SteadyMs > 0 ? context.Options.SteadyMs : quick ? 2_000 : 5_000;

        // Unmeasured: every store's code compiled (tiered up) before anything is timed.
        foreach (var store in new[] { Memory, Full })
        {
            await using var warm = await StoreUnderTest.OpenAsync(store);
            await ClosedLoopAsync(warm, 500, 1_500);
            await OpenLoopAsync(warm, 100, 1_000, 1_500);
        }

        var closedScenario = $"Durable append: {closedGenerations:N0} generations appending back to back, no HTTP";
        foreach (var store in Stores)
        {
            await using var log = await StoreUnderTest.OpenAsync(store);
            var closed = await ClosedLoopAsync(log, closedGenerations, closedMs);
            context.Table.Add(closedScenario, $"events/s, {store}", Systems.Ours, closed.EventsPerSecond, higherIsBetter: true);
            context.Table.Add(closedScenario, $"CPU µs per event, {store}", Systems.Ours, closed.CpuMicrosecondsPerEvent, higherIsBetter: false);
            if (closed.Writer is { } w)
            {
                context.Table.Add(closedScenario, $"events per commit, {store}", Systems.Ours, w.EventsPerBatch, higherIsBetter: true);
                context.Table.Add(closedScenario, $"writer µs per event: statements, {store}", Systems.Ours, w.ExecuteMicroseconds, higherIsBetter: false);
                context.Table.Add(closedScenario, $"writer µs per event: commit, {store}", Systems.Ours, w.CommitMicroseconds, higherIsBetter: false);
                context.Table.Add(closedScenario, $"writer µs per event: publish, {store}", Systems.Ours, w.PublishMicroseconds, higherIsBetter: false);
                context.Table.Add(closedScenario, $"commit ms per batch, {store}", Systems.Ours, w.CommitMillisecondsPerBatch, higherIsBetter: false);
            }

            LoadTestContext.Log($"durable, closed loop, {store}: {closed.EventsPerSecond:N0} events/s, {closed.CpuMicrosecondsPerEvent:F1} µs CPU per event{closed.Writer?.Describe()}");
        }

        foreach (var (generations, rate) in loads)
        {
            var openScenario = $"Durable append: {rate:N0} events/s offered over {generations:N0} generations, one watcher each, no HTTP";
            var p99 = new Dictionary<string, double>();
            foreach (var store in Stores)
            {
                await using var log = await StoreUnderTest.OpenAsync(store);
                var open = await OpenLoopAsync(log, generations, rate, openMs);
                p99[store] = open.P99;
                context.Table.Add(openScenario, $"events/s achieved, {store}", Systems.Ours, open.EventsPerSecond, higherIsBetter: true);
                context.Table.Add(openScenario, $"due→read p50 (ms), {store}", Systems.Ours, open.P50, higherIsBetter: false);
                context.Table.Add(openScenario, $"due→read p99 (ms), {store}", Systems.Ours, open.P99, higherIsBetter: false);
                if (open.Writer is { } w)
                {
                    context.Table.Add(openScenario, $"events per commit, {store}", Systems.Ours, w.EventsPerBatch, higherIsBetter: true);
                }

                LoadTestContext.Log($"durable, open loop {rate:N0}/s over {generations:N0}, {store}: {open.EventsPerSecond:N0} events/s, p50 {open.P50:F2} ms, p99 {open.P99:F2} ms, {open.CpuMicrosecondsPerEvent:F1} µs CPU per event{open.Writer?.Describe()}");
            }

            context.Table.Add(openScenario, "added p99 (ms), SQLite FULL", Systems.Ours, p99[Full] - p99[Memory], higherIsBetter: false);
            context.Table.Add(openScenario, "added p99 (ms), SQLite NORMAL", Systems.Ours, p99[Normal] - p99[Memory], higherIsBetter: false);
        }
    }

    private static readonly string[] Stores = [Memory, Full, Normal];

    private static async Task<Outcome> ClosedLoopAsync(StoreUnderTest store, int generations, int durationMs)
    {
        var ids = await store.CreateAsync(generations);
        var writerBefore = store.WriterTimes;
        var cpuBefore = ProcessStats.CpuTime();
        var started = Stopwatch.GetTimestamp();
        var deadline = started + (long)(durationMs / 1000.0 * Stopwatch.Frequency);
        var counts = new long[generations];
        await Task.WhenAll(ids.Select((id, g) => Task.Run(async () =>
        {
            long index = 0;
            while (Stopwatch.GetTimestamp() < deadline)
            {
                await store.Log.AppendAsync(EventFactory.Create(id, index++, payload: null, TimeProvider.System));
            }

            counts[g] = index;
        })));
        var elapsed = Stopwatch.GetElapsedTime(started);
        var cpu = ProcessStats.CpuTime() - cpuBefore;
        var events = counts.Sum();
        return new Outcome(events / elapsed.TotalSeconds, 0, 0, cpu.TotalMicroseconds / events, store.WriterTimes is { } after && writerBefore is { } before ? WriterSplit.Of(before, after) : null);
    }

    private static async Task<Outcome> OpenLoopAsync(StoreUnderTest store, int generations, int rate, int durationMs)
    {
        var ids = await store.CreateAsync(generations);
        var perGeneration = (double)rate / generations;
        var interval = (long)(Stopwatch.Frequency / perGeneration);
        var eventsEach = (int)Math.Floor(durationMs / 1000.0 * perGeneration);
        var histogram = new LatencyHistogram();
        var due = new long[generations][];
        var watchers = new List<Task>(generations);
        var subscriptions = new List<EventLogSubscription>(generations);
        for (var g = 0; g < generations; g++)
        {
            due[g] = new long[eventsEach + 1];
            var subscription = await store.Log.SubscribeAsync(ids[g]);
            subscriptions.Add(subscription);
            var dueOf = due[g];
            watchers.Add(Task.Run(async () =>
            {
                var read = 0;
                while (read < eventsEach && await subscription.WaitToReadAsync())
                {
                    while (subscription.TryRead(out var entry))
                    {
                        histogram.RecordTicks(Stopwatch.GetTimestamp() - Volatile.Read(ref dueOf[entry.Sequence]));
                        read++;
                    }
                }
            }));
        }

        var writerBefore = store.WriterTimes;
        var cpuBefore = ProcessStats.CpuTime();
        var started = Stopwatch.GetTimestamp();
        var producers = ids.Select((id, g) => Task.Run(async () =>
        {
            // Spread the generations' schedules over one interval, as independent runs would be.
            var next = started + (long)(interval * ((double)g / generations));
            for (var i = 1; i <= eventsEach; i++)
            {
                var wait = next - Stopwatch.GetTimestamp();
                if (wait > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency));
                }

                Volatile.Write(ref due[g][i], next);
                await store.Log.AppendAsync(EventFactory.Create(id, i, payload: null, TimeProvider.System));
                next += interval;
            }
        }));
        await Task.WhenAll(producers);
        await Task.WhenAll(watchers).WaitAsync(TimeSpan.FromMinutes(2));
        var elapsed = Stopwatch.GetElapsedTime(started);
        var cpu = ProcessStats.CpuTime() - cpuBefore;
        foreach (var subscription in subscriptions)
        {
            await subscription.DisposeAsync();
        }

        long events = (long)eventsEach * generations;
        return new Outcome(
            events / elapsed.TotalSeconds,
            histogram.PercentileMs(50),
            histogram.PercentileMs(99),
            cpu.TotalMicroseconds / events,
            store.WriterTimes is { } after && writerBefore is { } before ? WriterSplit.Of(before, after) : null);
    }

    private sealed record Outcome(double EventsPerSecond, double P50, double P99, double CpuMicrosecondsPerEvent, WriterSplit? Writer);

    /// <summary>The SQLite writer's time per event by stage, over a measurement.</summary>
    private sealed record WriterSplit(double EventsPerBatch, double ExecuteMicroseconds, double CommitMicroseconds, double PublishMicroseconds, double CommitMillisecondsPerBatch)
    {
        public static WriterSplit Of(GroupCommitWriter.WriterTimes before, GroupCommitWriter.WriterTimes after)
        {
            var batches = Math.Max(1, after.Batches - before.Batches);
            var operations = Math.Max(1, after.Operations - before.Operations);
            double Micro(long ticks) => LatencyHistogram.TicksToMicroseconds(ticks) / operations;
            return new WriterSplit(
                (double)operations / batches,
                Micro(after.ExecuteTicks - before.ExecuteTicks),
                Micro(after.CommitTicks - before.CommitTicks),
                Micro(after.PublishTicks - before.PublishTicks),
                LatencyHistogram.TicksToMicroseconds(after.CommitTicks - before.CommitTicks) / 1000.0 / batches);
        }

        public string Describe() =>
            $"; {EventsPerBatch:F0} events per commit, writer µs per event: statements {ExecuteMicroseconds:F1}, commit {CommitMicroseconds:F1} ({CommitMillisecondsPerBatch:F2} ms a commit), publish {PublishMicroseconds:F1}";
    }

    /// <summary>One store to append to: the in-memory log, or SQLite in a folder of its own (deleted at the end).</summary>
    private sealed class StoreUnderTest : IAsyncDisposable
    {
        private readonly ServiceProvider _services;
        private readonly string? _folder;

        private StoreUnderTest(ServiceProvider services, string? folder)
        {
            _services = services;
            _folder = folder;
            Log = services.GetRequiredService<IGenerationEventLog>();
            Store = folder is null ? null : services.GetRequiredService<SqliteStore>();
        }

        public IGenerationEventLog Log { get; }

        public SqliteStore? Store { get; }

        public GroupCommitWriter.WriterTimes? WriterTimes => Store?.Writer.Times;

        public static Task<StoreUnderTest> OpenAsync(string kind)
        {
            var services = new ServiceCollection();
            services.AddLogging();
            var streaming = services.AddIterationStreaming();
            string? folder = null;
            if (kind != Memory)
            {
                folder = Directory.CreateTempSubdirectory("iteration-load-durable-").FullName;
                var path = Path.Combine(folder, "durable.db");
                streaming.AddSqliteStore(o =>
                {
                    o.Path = path;
                    o.FlushCommitsToDisk = kind == Full;
                });
            }

            return Task.FromResult(new StoreUnderTest(services.BuildServiceProvider(), folder));
        }

        public async Task<string[]> CreateAsync(int generations)
        {
            var ids = Enumerable.Range(0, generations).Select(_ => Guid.NewGuid().ToString("N")).ToArray();
            await Task.WhenAll(ids.Select(id => Log.CreateAsync(id).AsTask()));
            return ids;
        }

        public async ValueTask DisposeAsync()
        {
            await _services.DisposeAsync();
            if (_folder is not null)
            {
                Directory.Delete(_folder, recursive: true);
            }
        }
    }
}
