using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Benchmarks;

/// <summary>Serialise one event and frame it for SSE: ours against what endpoints commonly do.</summary>
[MemoryDiagnoser]
public class SerializeFrameBenchmarks
{
    private readonly StreamingProgressEvent _event = BenchmarkEvents.FileProgress();
    private readonly MemoryStream _sink = new(capacity: 4096);
    private readonly SseItem<StreamingProgressEvent>[] _items = new SseItem<StreamingProgressEvent>[1];

    [GlobalSetup]
    public void Setup() => _items[0] = new SseItem<StreamingProgressEvent>(_event) { EventId = "42" };

    [Benchmark(Baseline = true, Description = "naive: Serialize + string concat + UTF-8")]
    public byte[] Naive()
    {
        var json = JsonSerializer.Serialize(_event, IterationStreamingJson.StreamingProgressEvent);
        return Encoding.UTF8.GetBytes("id: 42\ndata: " + json + "\n\n");
    }

    [Benchmark(Description = "SseFormatter.WriteAsync")]
    public async Task<long> SseFormatterWrite()
    {
        _sink.Position = 0;
        await SseFormatter.WriteAsync(
            ToAsync(_items),
            _sink,
            static (item, writer) =>
            {
                using var json = new Utf8JsonWriter(writer);
                JsonSerializer.Serialize(json, item.Data, IterationStreamingJson.StreamingProgressEvent);
            });
        return _sink.Position;
    }

    [Benchmark(Description = "ours: EventLogEntry.Create (serialise once)")]
    public EventLogEntry Ours() => EventLogEntry.Create(42, _event);

    private static async IAsyncEnumerable<SseItem<StreamingProgressEvent>> ToAsync(SseItem<StreamingProgressEvent>[] items)
    {
        foreach (var item in items)
        {
            yield return item;
        }

        await Task.CompletedTask;
    }
}
