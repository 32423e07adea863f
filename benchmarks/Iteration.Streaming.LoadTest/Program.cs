using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Iteration.Streaming.LoadTest;
using Iteration.Streaming.LoadTest.Charts;
using Iteration.Streaming.LoadTest.Client;
using Iteration.Streaming.LoadTest.Report;
using Iteration.Streaming.LoadTest.Scenarios;
using Iteration.Streaming.LoadTest.Server;

// The same program is the load generator and, started with --server by it, the server under test.
if (args.Contains("--server"))
{
    return await LoadServer.RunAsync(args);
}

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine("""
        Iteration.Streaming load test: our SSE endpoint against three baselines on the same Kestrel, over loopback.

          dotnet run -c Release --project benchmarks/Iteration.Streaming.LoadTest -- [options]

          --quick                 small sizes, 1–2 minutes
          --scenarios a,b         idle, broadcast, many, replay, slow, redis, sqlite, h2, gates, multiplex, first, durable
                                  (default: all); first: time from POST /generations to the first SSE event, 1 start
                                  at a time and 500 at once, in memory beside SQLite; durable: appends through the
                                  event log alone (no HTTP), in memory beside SQLite FULL and NORMAL
          --systems a,b           ours, floor, naive, typed, signalr (default: all)
          --max-streams N         the largest idle scenario (default 20000; 2000 with --quick)
          --redis-server PATH     the redis-server executable for the Redis scenario (default: from PATH)
          --out FILE              also write the report (Markdown) to FILE
          --bursts N              bursts per broadcast size (default 20 at 10k watchers, 5 at 1k, 3 with --quick)
          --runs N                run the scenarios N times, each on a fresh server process; the report shows each
                                  figure as min / median / max over the runs (default 1)
          --charts DIR            write the charts (loadtest-*.png) to DIR (default: the folder of --out; none without
                                  --out); --no-charts writes none

          --soak DURATION         instead: the soak (600, 90s, 10m, 1h or 00:10:00) against a durable server, sampling
                                  heap, RSS, open handles and threads; with --soak-users N (default 24),
                                  --soak-sample DURATION (default 60s), --soak-warmup DURATION (default 3m)
        """);
    return 0;
}

if (Array.IndexOf(args, "--soak") is var soakAt and >= 0)
{
    string SoakValue(string name, string fallback) => Array.IndexOf(args, name) is var at and >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
    try
    {
        var duration = SoakScenario.ParseDuration(soakAt + 1 < args.Length ? args[soakAt + 1] : throw new ArgumentException("--soak needs a duration, e.g. --soak 10m."));
        var sampleEvery = SoakScenario.ParseDuration(SoakValue("--soak-sample", "60s"));
        var warmUp = SoakScenario.ParseDuration(SoakValue("--soak-warmup", "3m"));
        var users = int.Parse(SoakValue("--soak-users", "24"), CultureInfo.InvariantCulture);
        if (users is < 1 or > 1_000)
        {
            throw new ArgumentException("--soak-users must be between 1 and 1000.");
        }

        OpenFileLimit.Raise(10_000);
        var soakStarted = Stopwatch.GetTimestamp();
        var soakReport = await SoakScenario.RunAsync(duration, sampleEvery, users, warmUp);
        var text = MachineHeader(LoadTestOptions.Parse([]), -1).Replace("Load test (default)", "Soak", StringComparison.Ordinal) + "\n\n" + soakReport
            + string.Create(CultureInfo.InvariantCulture, $"\nTotal time: {Stopwatch.GetElapsedTime(soakStarted).TotalSeconds:F0} s; load average after: {LoadAverage()}.\n");
        Console.WriteLine(text);
        if (SoakValue("--out", string.Empty) is { Length: > 0 } soakOut)
        {
            await File.WriteAllTextAsync(soakOut, text);
            Console.Error.WriteLine($"Report written to {soakOut}");
        }

        return 0;
    }
    catch (ArgumentException ex)
    {
        Console.Error.WriteLine(ex.Message);
        return 2;
    }
}

LoadTestOptions options;
try
{
    options = LoadTestOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

var started = Stopwatch.GetTimestamp();
var wantedFiles = options.MaxStreams + 10_000L;
var fileLimit = OpenFileLimit.Raise(wantedFiles);
if (fileLimit >= 0 && fileLimit < options.MaxStreams + 500)
{
    Console.Error.WriteLine($"The open-file limit is {fileLimit} (the hard limit; this process may not raise it), too low for {options.MaxStreams:N0} streams: "
        + $"the largest idle scenario holds {fileLimit - 500:N0}. Raise it with 'ulimit -Hn {wantedFiles}; ulimit -n {wantedFiles}' as root before running, or pass --max-streams.");
}

options.FitTo(fileLimit);

var header = MachineHeader(options, fileLimit);
Console.Error.WriteLine(header);

var tables = new List<ResultTable>();
var chartData = new ChartData();
for (var run = 1; run <= options.RunCount; run++)
{
    if (options.RunCount > 1)
    {
        LoadTestContext.Log($"run {run} of {options.RunCount}");
    }

    tables.Add(await RunAllAsync(options, chartData));
}

var report = new StringBuilder()
    .AppendLine(header)
    .AppendLine()
    .Append(ResultTable.ToMarkdown(tables))
    .AppendLine()
    .Append(BurstSummary.ToMarkdown(tables))
    .AppendLine()
    .Append(MultiplexSummary.ToMarkdown(tables))
    .AppendLine()
    .Append(Targets.Evaluate(tables, options))
    .AppendLine();
if (options.ChartsFolder is { } chartsFolder)
{
    try
    {
        var written = LoadTestCharts.Write(chartData, chartsFolder, options.RunCount);
        report.AppendLine("Charts: " + string.Join(", ", written.Select(Path.GetFileName)) + ".").AppendLine();
        Console.Error.WriteLine($"Charts written to {chartsFolder}: {string.Join(", ", written.Select(Path.GetFileName))}");
    }
    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or TypeInitializationException or DllNotFoundException)
    {
        Console.Error.WriteLine($"The charts could not be written: {ex.Message}");
    }
}

report.AppendLine(CultureInfo.InvariantCulture, $"Total time: {Stopwatch.GetElapsedTime(started).TotalSeconds:F0} s; load average after: {LoadAverage()}.");
var reportText = report.ToString();
Console.WriteLine(reportText);
if (options.Out is { } path)
{
    await File.WriteAllTextAsync(path, reportText);
    Console.Error.WriteLine($"Report written to {path}");
}

return 0;

// One run of the chosen scenarios: a fresh, warmed server process (the idle runs start their own).
static async Task<ResultTable> RunAllAsync(LoadTestOptions options, ChartData chartData)
{
    var table = new ResultTable();
    await using var server = await ServerProcess.StartAsync("in-memory");
    LoadTestContext.Log($"server process {server.ProcessId} listening on {server.BaseAddress} (h2c: {server.Http2Address})");
    var context = new LoadTestContext(options, server, table, chartData);
    foreach (var system in options.Systems)
    {
        await LoadTestContext.WarmUpAsync(server, server, system);
    }

    LoadTestContext.Log("warmed up");
    foreach (var scenario in options.Scenarios)
    {
        var scenarioStarted = Stopwatch.GetTimestamp();
        switch (scenario)
        {
            case "idle":
                await IdleScenario.RunAsync(context);
                break;
            case "broadcast":
                await BroadcastScenario.RunAsync(context);
                break;
            case "many":
                await ManyGenerationsScenario.RunAsync(context);
                break;
            case "replay":
                await ReplayScenario.RunAsync(context);
                break;
            case "slow":
                await SlowConsumersScenario.RunAsync(context);
                break;
            case "redis":
                await RedisScenario.RunAsync(context);
                break;
            case "sqlite":
                await SqliteScenario.RunAsync(context);
                break;
            case "gates":
                await GatesScenario.RunAsync(context);
                break;
            case "h2":
                await Http2Scenario.RunAsync(context);
                break;
            case "multiplex":
                await MultiplexScenario.RunAsync(context);
                break;
            case "first":
                await FirstEventScenario.RunAsync(context);
                break;
            case "durable":
                await DurableAppendScenario.RunAsync(context);
                break;
        }

        LoadTestContext.Log($"{scenario} done in {Stopwatch.GetElapsedTime(scenarioStarted).TotalSeconds:F0} s");
    }

    return table;
}

static string MachineHeader(LoadTestOptions options, long fileLimit)
{
    var cpu = File.Exists("/proc/cpuinfo")
        ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
        : null;
    return string.Create(CultureInfo.InvariantCulture, $"""
        Load test ({(options.Quick ? "--quick" : "default")}{(options.RunCount > 1 ? $", {options.RunCount} runs" : string.Empty)}), {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC
        Machine: {cpu ?? RuntimeInformation.ProcessArchitecture.ToString()}, {Environment.ProcessorCount} logical cores, {RuntimeInformation.OSDescription}; {RuntimeInformation.FrameworkDescription}; server GC in the server process
        Load average before: {LoadAverage()}; open-file limit: {fileLimit}
        """);
}

static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
