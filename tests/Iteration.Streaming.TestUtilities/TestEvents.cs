using Iteration.Streaming.Events;

namespace Iteration.Streaming.TestUtilities;

/// <summary>Builds events for tests.</summary>
public static class TestEvents
{
    public static readonly DateTimeOffset Epoch = DateTimeOffset.FromUnixTimeMilliseconds(1_760_660_674_205);

    public static string NewId() => Guid.NewGuid().ToString();

    public static StreamingProgressEvent Progress(string generationId, int index, string? stage = null) => new()
    {
        GenerationId = generationId,
        Status = GenerationStatus.Processing,
        Stage = stage ?? GenerationStages.PhaseProgress(1),
        Progress = Math.Min(0.95, 0.05 + (index * 1e-6)),
        Message = $"Generated file {index}",
        CurrentFile = $"src/File{index}.cs",
        Timestamp = Epoch.AddMilliseconds(index),
    };

    public static StreamingProgressEvent Stage(string generationId, string stage, double progress = 0.05) => new()
    {
        GenerationId = generationId,
        Status = GenerationStatus.Processing,
        Stage = stage,
        Progress = progress,
        Message = $"Stage {stage}",
        Timestamp = Epoch,
    };

    public static StreamingProgressEvent Completed(string generationId) => new()
    {
        GenerationId = generationId,
        Status = GenerationStatus.Completed,
        Stage = GenerationStages.Completed,
        Progress = 1.0,
        Message = "Generation completed successfully",
        Timestamp = Epoch.AddSeconds(120),
    };

    public static StreamingProgressEvent Failed(string generationId, string error = "boom") => new()
    {
        GenerationId = generationId,
        Status = GenerationStatus.Failed,
        Stage = GenerationStages.Error,
        Progress = 0.5,
        Message = $"Generation failed: {error}",
        Error = error,
        Timestamp = Epoch.AddSeconds(60),
    };
}
