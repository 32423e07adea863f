namespace Iteration.Streaming.LoadTest.Charts;

/// <summary>What the charts are drawn from, gathered over every run of the load test (thread-safe).</summary>
internal sealed class ChartData
{
    private readonly Lock _lock = new();
    private readonly List<BurstCurve> _bursts = [];
    private readonly List<LatencySample> _latencies = [];
    private readonly List<IdleSample> _idle = [];
    private readonly List<MultiplexSample> _multiplex = [];
    private readonly List<FirstEventLatency> _firstEvents = [];

    public IReadOnlyList<BurstCurve> Bursts
    {
        get
        {
            lock (_lock)
            {
                return [.. _bursts];
            }
        }
    }

    public IReadOnlyList<LatencySample> Latencies
    {
        get
        {
            lock (_lock)
            {
                return [.. _latencies];
            }
        }
    }

    public IReadOnlyList<IdleSample> Idle
    {
        get
        {
            lock (_lock)
            {
                return [.. _idle];
            }
        }
    }

    public IReadOnlyList<MultiplexSample> Multiplex
    {
        get
        {
            lock (_lock)
            {
                return [.. _multiplex];
            }
        }
    }

    public IReadOnlyList<FirstEventLatency> FirstEvents
    {
        get
        {
            lock (_lock)
            {
                return [.. _firstEvents];
            }
        }
    }

    public void Add(FirstEventLatency sample)
    {
        lock (_lock)
        {
            _firstEvents.Add(sample);
        }
    }

    public void Add(MultiplexSample sample)
    {
        lock (_lock)
        {
            _multiplex.Add(sample);
        }
    }

    public void Add(BurstCurve burst)
    {
        lock (_lock)
        {
            _bursts.Add(burst);
        }
    }

    public void Add(LatencySample latency)
    {
        lock (_lock)
        {
            _latencies.Add(latency);
        }
    }

    public void Add(IdleSample idle)
    {
        lock (_lock)
        {
            _idle.Add(idle);
        }
    }
}

/// <summary>Which of a run's bursts a <see cref="BurstCurve"/> is.</summary>
internal enum BurstKind
{
    /// <summary>The burst with the median deliveries/s of its run.</summary>
    Median,

    /// <summary>The burst with the largest gap between deliveries of its run.</summary>
    Worst,
}

/// <summary>Deliveries per millisecond of one burst, from the moment it was asked for.</summary>
internal sealed record BurstCurve(string Scenario, int Watchers, string System, BurstKind Kind, double DeliveriesPerSecond, double LargestGapMs, long[] PerMillisecond);

/// <summary>Latency percentiles (p50, p90, p99, p99.9, in ms) of one system in one steady scenario of one run.</summary>
internal sealed record LatencySample(string Scenario, string System, double[] PercentilesMs)
{
    public static readonly double[] Percentiles = [50, 90, 99, 99.9];
}

/// <summary>
/// Time to first event percentiles (p50, p90, p99, p99.9, in ms) of one store (in memory or SQLite) at one concurrency of
/// starts in one run.
/// </summary>
internal sealed record FirstEventLatency(string Scenario, string Store, double[] PercentilesMs);

/// <summary>The server's memory per idle stream of one system at one size and protocol in one run.</summary>
internal sealed record IdleSample(int Streams, string Protocol, string System, double HeapKB, double RssKB);

/// <summary>
/// One phase of the multiplex scenario in one run: single streams or multiplexed ones, server CPU per delivery (µs),
/// steady latency (ms) and memory per watcher of every generation (KB).
/// </summary>
internal sealed record MultiplexSample(string Mode, double SteadyCpuUs, double BurstCpuUs, double SteadyP50Ms, double SteadyP99Ms, double HeapPerWatcherKB, double RssPerWatcherKB);
