using System.Text.Json;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Hosting;

namespace Iteration.Streaming.Runs;

/// <summary>The <see cref="IPhaseProgress"/> of one phase of a run: reports become that phase's progress events.</summary>
internal sealed class RunPhaseProgress(PhaseRunner pipeline, GenerationRun run, PhaseState state, int index, IterationStreamingOptions settings) : IPhaseProgress
{
    public ValueTask ReportAsync(string currentFile, IReadOnlyDictionary<string, JsonElement>? partialOutput = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(currentFile);
        cancellationToken.ThrowIfCancellationRequested();
        run.Token.ThrowIfCancellationRequested();
        return pipeline.ReportAsync(run, state, index, currentFile, partialOutput, settings);
    }

    public ValueTask ReportLiveAsync(PhaseLiveUpdate update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        cancellationToken.ThrowIfCancellationRequested();
        run.Token.ThrowIfCancellationRequested();
        return pipeline.ReportLiveAsync(run, state, index, update, settings);
    }

    public void AddUsage(long inputTokens, long outputTokens) => AddUsage(inputTokens, outputTokens, model: null);

    public void AddUsage(long inputTokens, long outputTokens, string? model)
    {
        if (run.Spend.Add(inputTokens, outputTokens, model, settings.Budgets) is { } stop)
        {
            // Over budget, or a report that cannot be true: the run stops at once, the unsaved phase is discarded.
            run.Stop(stop.Reason, stop.Error);
        }
    }

    public void EstimateOutputTokens(long outputTokens)
    {
        if (run.Spend.Estimate(outputTokens) is { } stop)
        {
            run.Stop(stop.Reason, stop.Error);
        }
    }
}
