using System.Text.Json;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Hosting;

namespace Iteration.Streaming.Runs;

/// <summary>The <see cref="IPhaseProgress"/> of one phase of a run: reports become that phase's progress events.</summary>
internal sealed class RunPhaseProgress(PhaseRunner pipeline, GenerationRun run, PhaseState state, int index, IterationStreamingOptions settings) : IPhaseProgress
{
    public TokenUsage Usage { get; } = new();

    public ValueTask ReportAsync(string currentFile, IReadOnlyDictionary<string, JsonElement>? partialOutput = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(currentFile);
        cancellationToken.ThrowIfCancellationRequested();
        run.Token.ThrowIfCancellationRequested();
        return pipeline.ReportAsync(run, state, index, currentFile, partialOutput, settings);
    }

    public void AddUsage(long inputTokens, long outputTokens)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inputTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(outputTokens);
        Usage.Add(inputTokens, outputTokens);
    }
}
