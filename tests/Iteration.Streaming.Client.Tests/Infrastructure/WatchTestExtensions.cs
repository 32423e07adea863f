using System.Text.Json;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Client.Tests.Infrastructure;

public static class WatchTestExtensions
{
    /// <summary>Reads the whole watch (with patience as a hang guard).</summary>
    public static Task<List<StreamingProgressEvent>> CollectAsync(this IAsyncEnumerable<StreamingProgressEvent> events) =>
        CollectCoreAsync(events).WithPatience();

    /// <summary>The exact wire JSON of an event: two events compare equal when their JSON does.</summary>
    public static string ToWire(this StreamingProgressEvent e) =>
        JsonSerializer.Serialize(e, IterationStreamingJson.StreamingProgressEvent);

    /// <summary>Every event the host's log holds for a generation, from the start, as wire JSON.</summary>
    public static async Task<List<string>> LoggedEventsAsync(this KestrelTestHost host, string generationId) =>
        (await host.LoggedEntriesAsync(generationId)).Select(e => e.Event.ToWire()).ToList();

    /// <summary>Every entry the host's log holds for a generation, from the start.</summary>
    public static async Task<List<EventLogEntry>> LoggedEntriesAsync(this KestrelTestHost host, string generationId)
    {
        await using var subscription = await host.EventLog.SubscribeAsync(generationId, 0);
        var entries = new List<EventLogEntry>();
        while (subscription.TryRead(out var entry))
        {
            entries.Add(entry);
        }

        return entries;
    }

    private static async Task<List<StreamingProgressEvent>> CollectCoreAsync(IAsyncEnumerable<StreamingProgressEvent> events)
    {
        var list = new List<StreamingProgressEvent>();
        await foreach (var e in events)
        {
            list.Add(e);
        }

        return list;
    }
}
