using Iteration.Streaming.EventLog;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Sqlite.Tests.Fixtures;

public static class SubscriptionExtensions
{
    /// <summary>Reads the next <paramref name="count"/> entries, waiting for them (with patience) as a watcher does.</summary>
    public static async Task<List<EventLogEntry>> TakeAsync(this EventLogSubscription subscription, int count)
    {
        var entries = new List<EventLogEntry>();
        while (entries.Count < count && await subscription.WaitToReadAsync().AsTask().WithPatience())
        {
            while (entries.Count < count && subscription.TryRead(out var entry))
            {
                entries.Add(entry);
            }
        }

        return entries;
    }
}
