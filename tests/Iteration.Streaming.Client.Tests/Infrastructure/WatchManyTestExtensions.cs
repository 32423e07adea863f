using Iteration.Streaming.Events;
using Iteration.Streaming.Records;

namespace Iteration.Streaming.Client.Tests.Infrastructure;

public static class WatchManyTestExtensions
{
    /// <summary>
    /// Creates a live generation (log and record, owned by <paramref name="owner"/> when given) with
    /// <paramref name="progressEvents"/> progress events, ended by a completed event when <paramref name="ended"/>.
    /// </summary>
    public static async Task<GenerationHandle> CreateGenerationAsync(this KestrelTestHost host, int progressEvents, bool ended, string? owner = null)
    {
        var id = TestEvents.NewId();
        await host.EventLog.CreateAsync(id);
        await host.Records.AddAsync(new GenerationRecord
        {
            GenerationId = id,
            Prompt = "Build a task app",
            Entities = ["User"],
            UserId = owner,
            Status = GenerationStatus.Processing,
            CreatedAt = host.Now,
        });

        for (var i = 0; i < progressEvents; i++)
        {
            await host.EventLog.AppendAsync(TestEvents.Progress(id, i));
        }

        if (ended)
        {
            await host.EndGenerationAsync(TestEvents.Completed(id) with { Timestamp = host.Now });
        }

        return new GenerationHandle(id, host.Tokens.IssueToken(id));
    }

    /// <summary>The events of each generation, as wire JSON, in the order they were yielded.</summary>
    public static Dictionary<string, List<string>> ByGeneration(this IEnumerable<StreamingProgressEvent> events) =>
        events.GroupBy(e => e.GenerationId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(e => e.ToWire()).ToList(), StringComparer.Ordinal);
}
