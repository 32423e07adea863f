using BenchmarkDotNet.Attributes;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Hosting;

namespace Iteration.Streaming.Benchmarks;

/// <summary>A late joiner replaying 10,000 events: subscribe from the start and read them all with TryRead.</summary>
[MemoryDiagnoser]
public class ReplayBenchmarks
{
    private const int Events = 10_000;
    private InMemoryGenerationEventLog _log = null!;
    private string _id = null!;

    [GlobalSetup]
    public void Setup()
    {
        (_log, _id) = BenchmarkEvents.FilledLog(Events);
    }

    [Benchmark(Description = "replay 10,000 events (subscribe + TryRead all)")]
    public async Task<long> Replay()
    {
        await using var subscription = await _log.SubscribeAsync(_id);
        long bytes = 0;
        while (subscription.TryRead(out var entry))
        {
            bytes += entry.Frame.Length;
        }

        return bytes;
    }
}
