using Iteration.Streaming.EventLog;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Benchmarks;

/// <summary>A realistic per-file progress event, the most common event of a run.</summary>
internal static class BenchmarkEvents
{
    public const string GenerationId = "e96b74bc-aba8-4837-bb43-237fd687d18b";

    public static StreamingProgressEvent FileProgress(string generationId = GenerationId, int index = 3) => new()
    {
        GenerationId = generationId,
        Status = GenerationStatus.Processing,
        Stage = GenerationStages.PhaseProgress(2),
        Progress = 0.4,
        Message = "Generated src/Models/User.cs",
        GenerationMode = GenerationModes.Classic,
        EstimatedTimeRemaining = 84.2,
        CurrentFile = "src/Models/User.cs",
        PhaseInfo = new PhaseInfo { TotalPhases = 6, CurrentPhase = 2, EntitiesCount = 1, Phase = 2, Name = "User Entity", FilesGenerated = index, TotalFiles = 5 + index },
        Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(1_760_660_675_200),
    };

    /// <summary>A log holding one generation of <paramref name="count"/> file-progress events, for replay and delivery.</summary>
    public static (InMemoryGenerationEventLog Log, string GenerationId) FilledLog(int count)
    {
        var log = new InMemoryGenerationEventLog(
            new EventLogBenchmarks.FixedOptions(new IterationStreamingOptions { MaxEventsPerGeneration = 1_000_000 }),
            TimeProvider.System);
        var id = Guid.NewGuid().ToString();
        log.CreateAsync(id).AsTask().GetAwaiter().GetResult();
        for (var i = 0; i < count; i++)
        {
            log.AppendAsync(FileProgress(id, i)).AsTask().GetAwaiter().GetResult();
        }

        return (log, id);
    }
}
