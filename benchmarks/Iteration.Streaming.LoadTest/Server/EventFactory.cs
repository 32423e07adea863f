using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.LoadTest.Server;

/// <summary>
/// Builds the events the producer appends: a realistic per-file progress event whose message ends with
/// <c>#ts{monotonic ticks}</c>, so the client measures end-to-end latency on the same clock.
/// </summary>
internal static class EventFactory
{
    public const string StampMarker = "#ts";

    public static StreamingProgressEvent Create(string generationId, long index, JsonElement? payload, TimeProvider timeProvider) => new()
    {
        GenerationId = generationId,
        Status = GenerationStatus.Processing,
        Stage = GenerationStages.PhaseProgress(2),
        Progress = Math.Min(0.95, 0.05 + (index % 10_000) * 0.00009),
        Message = string.Create(CultureInfo.InvariantCulture, $"Generated src/Models/Entity{index % 100}.cs {StampMarker}{Stopwatch.GetTimestamp()}"),
        GenerationMode = GenerationModes.Classic,
        EstimatedTimeRemaining = 84.2,
        CurrentFile = string.Create(CultureInfo.InvariantCulture, $"src/Models/Entity{index % 100}.cs"),
        PhaseInfo = new PhaseInfo { TotalPhases = 6, CurrentPhase = 2, EntitiesCount = 3, Phase = 2, Name = "User Entity", FilesGenerated = (int)(index % 50), TotalFiles = 5 + (int)(index % 50) },
        PartialOutput = payload is { } code ? new Dictionary<string, JsonElement> { ["code"] = code } : null,
        Timestamp = timeProvider.GetUtcNow(),
    };

    public static JsonElement? Payload(int bytes) =>
        bytes <= 0 ? null : JsonDocument.Parse("\"" + new string('x', bytes) + "\"").RootElement.Clone();

    public static StreamingProgressEvent Terminal(string generationId, TimeProvider timeProvider) => new()
    {
        GenerationId = generationId,
        Status = GenerationStatus.Completed,
        Stage = GenerationStages.Completed,
        Progress = 1.0,
        Message = "Generation completed successfully",
        Timestamp = timeProvider.GetUtcNow(),
    };
}
