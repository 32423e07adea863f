using System.Text.Json;

namespace Iteration.Streaming.Generation;

/// <summary>The progress of a <see cref="PhaseContext"/> made outside the engine: reports go nowhere.</summary>
internal sealed class NoPhaseProgress : IPhaseProgress
{
    public static readonly NoPhaseProgress Instance = new();

    public ValueTask ReportAsync(string currentFile, IReadOnlyDictionary<string, JsonElement>? partialOutput = null, CancellationToken cancellationToken = default) =>
        ValueTask.CompletedTask;

    public void AddUsage(long inputTokens, long outputTokens)
    {
    }
}
