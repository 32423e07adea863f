using Iteration.Streaming.Events;
using Iteration.Streaming.Records;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;

internal static class TestRecords
{
    public static GenerationRecord New(string generationId, string? owner = null) => new()
    {
        GenerationId = generationId,
        Prompt = "Build a task app",
        Entities = ["User", "Task"],
        Status = GenerationStatus.Queued,
        CreatedAt = TestEvents.Epoch,
        Owner = owner,
    };

    /// <summary>Creates a generation the way the engine does on <paramref name="instance"/>: its log, then its record, owned there.</summary>
    public static async Task<string> CreateOwnedAsync(RedisLogHarness instance, string? owner = null)
    {
        var id = TestEvents.NewId();
        await instance.Log.CreateAsync(id);
        await instance.Records.AddAsync(New(id, owner ?? instance.Options.InstanceName));
        return id;
    }
}
