using System.Globalization;

namespace Iteration.Streaming.LoadTest;

/// <summary>
/// The command line: <c>--quick</c>, <c>--scenarios idle,broadcast,…</c>, <c>--systems ours,naive,…</c>, <c>--max-streams N</c>,
/// <c>--out FILE</c>, <c>--runs N</c>, <c>--charts DIR</c>, <c>--no-charts</c>.
/// </summary>
internal sealed class LoadTestOptions
{
    public static readonly string[] AllScenarios = ["idle", "broadcast", "many", "replay", "slow", "redis", "sqlite", "h2", "gates", "multiplex", "first", "durable"];

    public bool Quick { get; private init; }

    public string[] Scenarios { get; private init; } = AllScenarios;

    public string[] Systems { get; private init; } = Server.Systems.All;

    /// <summary>The largest idle scenario; by default 20,000 (2,000 with --quick), less when the open-file limit is lower.</summary>
    public int MaxStreams { get; private set; }

    /// <summary>Whether <c>--max-streams</c> was given.</summary>
    public bool MaxStreamsGiven { get; private init; }

    public string? Out { get; private init; }

    /// <summary>How many times the chosen scenarios run, each time on a fresh server process (<c>--runs</c>, default 1).</summary>
    public int RunCount { get; private init; } = 1;

    /// <summary>Where the charts go (<c>--charts DIR</c>; by default the folder of <c>--out</c>); null: no charts.</summary>
    public string? ChartsFolder { get; private init; }

    public string RedisServer { get; private init; } = "redis-server";

    /// <summary>How many bursts each broadcast runs (default 20 at 10k watchers, 5 at 1k, 3 with --quick).</summary>
    public int? Bursts { get; private init; }

    /// <summary>Overrides how long steady production runs (for profiling with dotnet-trace); 0 keeps each scenario's own.</summary>
    public int SteadyMs { get; private init; }

    public static LoadTestOptions Parse(string[] args)
    {
        string? Value(string name)
        {
            var index = Array.IndexOf(args, name);
            return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
        }

        string[]? List(string name) => Value(name)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        var quick = args.Contains("--quick");
        var options = new LoadTestOptions
        {
            Quick = quick,
            Scenarios = List("--scenarios") ?? AllScenarios,
            Systems = List("--systems") ?? Server.Systems.All,
            MaxStreams = int.Parse(Value("--max-streams") ?? (quick ? "2000" : "20000"), CultureInfo.InvariantCulture),
            MaxStreamsGiven = Value("--max-streams") is not null,
            Out = Value("--out"),
            RedisServer = Value("--redis-server") ?? "redis-server",
            SteadyMs = int.Parse(Value("--steady-seconds") ?? "0", CultureInfo.InvariantCulture) * 1_000,
            Bursts = Value("--bursts") is { } bursts ? int.Parse(bursts, CultureInfo.InvariantCulture) : null,
            RunCount = int.Parse(Value("--runs") ?? "1", CultureInfo.InvariantCulture),
            ChartsFolder = args.Contains("--no-charts")
                ? null
                : Value("--charts") ?? (Value("--out") is { } output ? Path.GetDirectoryName(Path.GetFullPath(output)) : null),
        };

        if (options.RunCount < 1)
        {
            throw new ArgumentException("--runs must be at least 1.");
        }

        var unknown = options.Scenarios.Except(AllScenarios).Concat(options.Systems.Except(Server.Systems.All)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"Unknown scenario or system: {string.Join(", ", unknown)}. Scenarios: {string.Join(",", AllScenarios)}; systems: {string.Join(",", Server.Systems.All)}.");
        }

        return options;
    }

    public bool Runs(string system) => Systems.Contains(system);

    /// <summary>
    /// Keeps the largest idle scenario within the open-file limit: the server needs one descriptor per stream plus a few
    /// hundred of its own, and running out of them takes the whole process down.
    /// </summary>
    public void FitTo(long openFileLimit)
    {
        if (openFileLimit > 0 && !MaxStreamsGiven)
        {
            MaxStreams = (int)Math.Min(MaxStreams, openFileLimit - 500);
        }
    }
}
