using BenchmarkDotNet.Attributes;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Hosting;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Benchmarks;

/// <summary>Append with N subscribers attached: the cost must not depend on N.</summary>
[MemoryDiagnoser]
public class EventLogBenchmarks
{
    private const int AppendsPerInvocation = 1_000;
    private InMemoryGenerationEventLog _log = null!;
    private StreamingProgressEvent _event = null!;
    private readonly List<EventLogSubscription> _subscriptions = [];

    [Params(0, 1, 100, 10_000)]
    public int Subscribers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var options = new IterationStreamingOptions { MaxEventsPerGeneration = 1_000_000 };
        _log = new InMemoryGenerationEventLog(new FixedOptions(options), TimeProvider.System);
    }

    [IterationSetup(Target = nameof(Append))]
    public void SetupAppend()
    {
        var id = Guid.NewGuid().ToString();
        _log.CreateAsync(id).AsTask().GetAwaiter().GetResult();
        _event = BenchmarkEvents.FileProgress(id);
        foreach (var subscription in _subscriptions)
        {
            subscription.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        _subscriptions.Clear();
        for (var i = 0; i < Subscribers; i++)
        {
            var subscription = _log.SubscribeAsync(id).AsTask().GetAwaiter().GetResult();
            _subscriptions.Add(subscription);

            // Park every subscriber on the wake-up, as idle SSE connections are.
            _ = subscription.WaitToReadAsync().AsTask();
        }
    }

    [Benchmark(OperationsPerInvoke = AppendsPerInvocation, Description = "append one event")]
    public async Task Append()
    {
        for (var i = 0; i < AppendsPerInvocation; i++)
        {
            await _log.AppendAsync(_event);
        }
    }

    internal sealed class FixedOptions(IterationStreamingOptions value) : IOptionsMonitor<IterationStreamingOptions>
    {
        public IterationStreamingOptions CurrentValue => value;

        public IterationStreamingOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<IterationStreamingOptions, string?> listener) => null;
    }
}
