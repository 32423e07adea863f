using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Iteration.Streaming.Events;
using Iteration.Streaming.Records;
using Iteration.Streaming.Sqlite.Hosting;
using Iteration.Streaming.Sqlite.Records;
using Iteration.Streaming.Sqlite.Storage;
using Iteration.Streaming.StackExchangeRedis.Connections;
using Iteration.Streaming.StackExchangeRedis.Hosting;
using Iteration.Streaming.StackExchangeRedis.Records;
using Iteration.Streaming.StackExchangeRedis.Scripts;

namespace Iteration.Streaming.Benchmarks;

/// <summary>
/// An owner's list (<c>GET /generations?owner=me</c>, <see cref="IGenerationRecordStore.ListByUserAsync"/>) on the
/// durable stores, with <see cref="Generations"/> generations of that owner (every tenth failed, the rest completed):
/// <list type="bullet">
/// <item><c>first page</c>: the newest 20, what the page shows first.</item>
/// <item><c>deep page</c>: 20 after a position half way down (a cursor), which must cost what the first page does.</item>
/// <item><c>first page, status=failed</c>: the newest 20 failed ones, one record in ten (Redis filters while it walks the
/// index, so it reads about ten times the page).</item>
/// </list>
/// One call per measurement (<see cref="RunStrategy.Monitoring"/>, 1,000 of them), so P99 is the 99th percentile of single
/// calls. SQLite on a file in a temp folder; Redis on a <c>redis-server</c> this benchmark starts on a free loopback port
/// (Debian's package; without persistence), one round trip away.
/// </summary>
[MemoryDiagnoser]
[CategoriesColumn]
[Config(typeof(PercentilesConfig))]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 50, iterationCount: 1_000, invocationCount: 1)]
public class OwnerListBenchmarks
{
    private const string Owner = "owner-1";
    private const int PageSize = 20;

    private string? _folder;
    private SqliteStore? _sqliteStore;
    private RedisServer? _redisServer;
    private RedisConnection? _redisConnection;
    private IGenerationRecordStore _store = null!;
    private GenerationRecordPosition _middle = null!;

    /// <summary>The owner's generations.</summary>
    [Params(100_000)]
    public int Generations { get; set; }

    [GlobalSetup(Targets = [nameof(SqliteFirstPage), nameof(SqliteDeepPage), nameof(SqliteFailedFirstPage)])]
    public void SetupSqlite()
    {
        _folder = Directory.CreateTempSubdirectory("iteration-streaming-bench-").FullName;
        _sqliteStore = SqliteStore.Open(new SqliteStoreOptions { Path = Path.Combine(_folder, "bench.db"), FlushCommitsToDisk = false });
        _store = new SqliteGenerationRecordStore(_sqliteStore, TimeProvider.System);
        Fill();
    }

    [GlobalSetup(Targets = [nameof(RedisFirstPage), nameof(RedisDeepPage), nameof(RedisFailedFirstPage)])]
    public void SetupRedis()
    {
        _redisServer = RedisServer.Start();
        _redisConnection = new RedisConnection(Microsoft.Extensions.Options.Options.Create(new IterationStreamingRedisOptions
        {
            Configuration = _redisServer.Configuration,
            KeyPrefix = "bench",
            InstanceName = "bench",
        }));
        _store = new RedisGenerationRecordStore(_redisConnection, new RedisScriptGateway(_redisConnection), new OwnedRecordCopies(), TimeProvider.System);
        Fill();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _sqliteStore?.Dispose();
        if (_folder is not null)
        {
            Directory.Delete(_folder, recursive: true);
        }

        _redisConnection?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _redisServer?.Dispose();
    }

    [Benchmark(Baseline = true, Description = "sqlite")]
    [BenchmarkCategory("first page")]
    public ValueTask<GenerationRecordPage> SqliteFirstPage() => FirstPage();

    [Benchmark(Description = "redis")]
    [BenchmarkCategory("first page")]
    public ValueTask<GenerationRecordPage> RedisFirstPage() => FirstPage();

    [Benchmark(Description = "sqlite")]
    [BenchmarkCategory("deep page")]
    public ValueTask<GenerationRecordPage> SqliteDeepPage() => DeepPage();

    [Benchmark(Description = "redis")]
    [BenchmarkCategory("deep page")]
    public ValueTask<GenerationRecordPage> RedisDeepPage() => DeepPage();

    [Benchmark(Description = "sqlite")]
    [BenchmarkCategory("first page, status=failed")]
    public ValueTask<GenerationRecordPage> SqliteFailedFirstPage() => FailedFirstPage();

    [Benchmark(Description = "redis")]
    [BenchmarkCategory("first page, status=failed")]
    public ValueTask<GenerationRecordPage> RedisFailedFirstPage() => FailedFirstPage();

    private ValueTask<GenerationRecordPage> FirstPage() =>
        _store.ListByUserAsync(new GenerationRecordQuery { UserId = Owner, Limit = PageSize });

    private ValueTask<GenerationRecordPage> DeepPage() =>
        _store.ListByUserAsync(new GenerationRecordQuery { UserId = Owner, Limit = PageSize, After = _middle });

    private ValueTask<GenerationRecordPage> FailedFirstPage() =>
        _store.ListByUserAsync(new GenerationRecordQuery { UserId = Owner, Status = GenerationStatus.Failed, Limit = PageSize });

    /// <summary>Adds the owner's generations (a second each, as real ones are), 1,024 at a time, then checks the first page.</summary>
    private void Fill()
    {
        var start = DateTimeOffset.UnixEpoch.AddYears(55);
        for (var from = 0; from < Generations; from += 1_024)
        {
            var adds = Enumerable.Range(from, Math.Min(1_024, Generations - from)).Select(i => _store.AddAsync(new GenerationRecord
            {
                GenerationId = $"gen-{i:D7}",
                Prompt = "Build a task tracker with projects, labels and due dates",
                Entities = ["Project", "Task", "Label"],
                UserId = Owner,
                Status = i % 10 == 0 ? GenerationStatus.Failed : GenerationStatus.Completed,
                CreatedAt = start.AddSeconds(i),
                EndedAt = start.AddSeconds(i + 60),
                Attempts = 1,
                FileCount = 42,
                TotalBytes = 180_000,
                Usage = new Contracts.GenerationUsage { InputTokens = 12_000, OutputTokens = 30_000 },
            }).AsTask());
            Task.WhenAll(adds).GetAwaiter().GetResult();
        }

        _middle = new GenerationRecordPosition(start.AddSeconds(Generations / 2), $"gen-{Generations / 2:D7}");
        var first = FirstPage().AsTask().GetAwaiter().GetResult();
        if (first.Records.Count != PageSize || first.Records[0].GenerationId != $"gen-{Generations - 1:D7}")
        {
            throw new InvalidOperationException("The first page is not the newest 20 generations.");
        }
    }

    private sealed class PercentilesConfig : BenchmarkDotNet.Configs.ManualConfig
    {
        public PercentilesConfig() => AddColumn(StatisticColumn.P50, StatisticColumn.P95, new P99Column());
    }

    /// <summary>The 99th percentile of the measurements, in µs (BenchmarkDotNet's own percentile columns stop at P95).</summary>
    private sealed class P99Column : IColumn
    {
        public string Id => nameof(P99Column);

        public string ColumnName => "P99";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Statistics;

        public int PriorityInCategory => 10;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Time;

        public string Legend => "Percentile 99 of one call";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) =>
            summary[benchmarkCase]?.ResultStatistics is { } statistics
                ? (statistics.Percentiles.Percentile(99) / 1_000).ToString("N1", System.Globalization.CultureInfo.InvariantCulture) + " μs"
                : "NA";

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => true;
    }

    /// <summary>A throwaway <c>redis-server</c> on 127.0.0.1 and a free port, without persistence; killed on dispose.</summary>
    private sealed class RedisServer : IDisposable
    {
        private readonly Process _process;

        private RedisServer(Process process, int port)
        {
            _process = process;
            Configuration = $"127.0.0.1:{port}";
        }

        public string Configuration { get; }

        public static RedisServer Start()
        {
            int port;
            using (var listener = new TcpListener(IPAddress.Loopback, 0))
            {
                listener.Start();
                port = ((IPEndPoint)listener.LocalEndpoint).Port;
            }

            var start = new ProcessStartInfo("redis-server") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning" })
            {
                start.ArgumentList.Add(argument);
            }

            Process process;
            try
            {
                process = Process.Start(start)!;
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                throw new InvalidOperationException("The Redis benchmarks start redis-server: install it (Debian: apt-get install redis-server).", ex);
            }

            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            var server = new RedisServer(process, port);
            for (var attempt = 0; attempt < 200; attempt++)
            {
                try
                {
                    using var client = new TcpClient();
                    client.Connect(IPAddress.Loopback, port);
                    return server;
                }
                catch (SocketException)
                {
                    Thread.Sleep(50);
                }
            }

            server.Dispose();
            throw new InvalidOperationException($"redis-server did not listen on port {port}.");
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit();
            }

            _process.Dispose();
        }
    }
}
