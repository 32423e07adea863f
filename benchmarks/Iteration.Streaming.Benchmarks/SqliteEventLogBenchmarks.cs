using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Sqlite.EventLog;
using Iteration.Streaming.Sqlite.Hosting;
using Iteration.Streaming.Sqlite.Storage;

namespace Iteration.Streaming.Benchmarks;

/// <summary>
/// The SQLite event log against the in-memory one (the baseline), with <see cref="Generations"/> generations appending at
/// once, each awaiting its appends in order as a run does, and one watcher parked on each:
/// <list type="bullet">
/// <item><c>append</c>: 2,048 events spread over the generations; the time per event gives appends/s through group
/// commit (every event durable before its append returns).</item>
/// <item><c>append→visible</c>: rounds in which every generation appends one event and its watcher reads it; the time per
/// round is the latency an event waits before a watcher can send it (a commit, and a flush with
/// <see cref="FlushCommitsToDisk"/>).</item>
/// </list>
/// Each iteration starts on new generations (the previous ones are deleted), so the logs never reach retention.
/// </summary>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 8, invocationCount: 1)]
public class SqliteEventLogBenchmarks
{
    private const int EventsPerInvoke = 2_048;
    private const int Rounds = 16;

    private readonly List<(string Id, EventLogSubscription Watcher)> _memory = [];
    private readonly List<(string Id, EventLogSubscription Watcher)> _sqlite = [];
    private string _folder = null!;
    private IGenerationEventLog _inMemoryLog = null!;
    private SqliteStore _store = null!;
    private SqliteGenerationEventLog _sqliteLog = null!;

    /// <summary>How many generations append at once.</summary>
    [Params(1, 64, 1_024)]
    public int Generations { get; set; }

    /// <summary>SQLite's <c>synchronous</c>: FULL (flush each commit) or NORMAL. The in-memory log ignores it.</summary>
    [Params(true, false)]
    public bool FlushCommitsToDisk { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var options = new EventLogBenchmarks.FixedOptions(new IterationStreamingOptions());
        _inMemoryLog = new InMemoryGenerationEventLog(options, TimeProvider.System);
        _folder = Directory.CreateTempSubdirectory("iteration-streaming-bench-").FullName;
        _store = SqliteStore.Open(new SqliteStoreOptions { Path = Path.Combine(_folder, "bench.db"), FlushCommitsToDisk = FlushCommitsToDisk });
        _sqliteLog = new SqliteGenerationEventLog(_store, options);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.Dispose();
        ((IDisposable)_inMemoryLog).Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [IterationSetup]
    public void NewGenerations()
    {
        Renew(_inMemoryLog, _memory);
        Renew(_sqliteLog, _sqlite);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = EventsPerInvoke, Description = "in-memory")]
    [BenchmarkCategory("append")]
    public Task InMemoryAppend() => AppendAsync(_inMemoryLog, _memory);

    [Benchmark(OperationsPerInvoke = EventsPerInvoke, Description = "sqlite")]
    [BenchmarkCategory("append")]
    public Task SqliteAppend() => AppendAsync(_sqliteLog, _sqlite);

    [Benchmark(Baseline = true, OperationsPerInvoke = Rounds, Description = "in-memory")]
    [BenchmarkCategory("append→visible")]
    public Task InMemoryVisible() => RoundsAsync(_inMemoryLog, _memory);

    [Benchmark(OperationsPerInvoke = Rounds, Description = "sqlite")]
    [BenchmarkCategory("append→visible")]
    public Task SqliteVisible() => RoundsAsync(_sqliteLog, _sqlite);

    private static async Task AppendAsync(IGenerationEventLog log, List<(string Id, EventLogSubscription Watcher)> generations)
    {
        var perGeneration = Math.Max(1, EventsPerInvoke / generations.Count);
        await Task.WhenAll(generations.Select(g => Task.Run(async () =>
        {
            for (var i = 0; i < perGeneration; i++)
            {
                await log.AppendAsync(BenchmarkEvents.FileProgress(g.Id, i));
            }
        })));
    }

    private static async Task RoundsAsync(IGenerationEventLog log, List<(string Id, EventLogSubscription Watcher)> generations)
    {
        for (var round = 0; round < Rounds; round++)
        {
            await Task.WhenAll(generations.Select(g => AppendAndReadAsync(log, g.Id, g.Watcher, round)));
        }
    }

    private static async Task AppendAndReadAsync(IGenerationEventLog log, string id, EventLogSubscription watcher, int index)
    {
        var appended = await log.AppendAsync(BenchmarkEvents.FileProgress(id, index));
        while (watcher.LastSequence < appended.Sequence && await watcher.WaitToReadAsync())
        {
            while (watcher.TryRead(out _))
            {
            }
        }
    }

    private void Renew(IGenerationEventLog log, List<(string Id, EventLogSubscription Watcher)> generations)
    {
        foreach (var (id, watcher) in generations)
        {
            watcher.DisposeAsync().AsTask().GetAwaiter().GetResult();
            log.DeleteAsync(id).AsTask().GetAwaiter().GetResult();
        }

        generations.Clear();
        for (var i = 0; i < Generations; i++)
        {
            var id = Guid.NewGuid().ToString();
            log.CreateAsync(id).AsTask().GetAwaiter().GetResult();
            generations.Add((id, log.SubscribeAsync(id).AsTask().GetAwaiter().GetResult()));
        }
    }
}
