using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Sample.Web.Demo;

namespace Iteration.Streaming.Sample.Web.Tests.Browser;

/// <summary>
/// The sample's <see cref="DemoGenerator"/>, files, live reports and continuation unchanged, held after the live reports
/// the test named in <see cref="LiveHolds"/> until it releases them: a run stopped mid-file without timing.
/// </summary>
public sealed class HoldingLiveDemoGenerator(DemoGenerator demo, LiveHolds holds) : IResumablePhaseGenerator
{
    private readonly ConcurrentDictionary<(string Generation, int Phase), int> _reports = new();

    public async IAsyncEnumerable<GeneratedFile> GenerateAsync(PhaseContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var held = Copy(context, new HoldingProgress(context.Progress, report => HoldAsync(context, report, cancellationToken)));
        await foreach (var file in demo.GenerateAsync(held, cancellationToken))
        {
            yield return file;
        }
    }

    public ValueTask<PhaseResumeDecision> PrepareResumeAsync(PhaseContext context, CancellationToken cancellationToken = default) =>
        demo.PrepareResumeAsync(context, cancellationToken);

    private Task HoldAsync(PhaseContext context, PhaseLiveUpdate update, CancellationToken cancellationToken)
    {
        var count = _reports.AddOrUpdate((context.GenerationId, context.Phase.Number), 1, (_, n) => n + 1);
        return holds.Find(context.Phase.Number, count) is { } hold
            ? hold.ReachAsync(update, cancellationToken)
            : Task.CompletedTask;
    }

    private static PhaseContext Copy(PhaseContext context, IPhaseProgress progress) => new()
    {
        GenerationId = context.GenerationId,
        Prompt = context.Prompt,
        ModificationPrompt = context.ModificationPrompt,
        ParentGenerationId = context.ParentGenerationId,
        Entities = context.Entities,
        Phase = context.Phase,
        Plan = context.Plan,
        Files = context.Files,
        Mode = context.Mode,
        Progress = progress,
        Attempt = context.Attempt,
        RetryOf = context.RetryOf,
        ForkedFrom = context.ForkedFrom,
        FromPhase = context.FromPhase,
        Instructions = context.Instructions,
        LockedPaths = context.LockedPaths,
        Checkpoint = context.Checkpoint,
    };

    /// <summary>Forwards every report; after a live one, waits for the hold (if any) of its position.</summary>
    private sealed class HoldingProgress(IPhaseProgress inner, Func<PhaseLiveUpdate, Task> afterLive) : IPhaseProgress
    {
        public ValueTask ReportAsync(string currentFile, IReadOnlyDictionary<string, JsonElement>? partialOutput = null, CancellationToken cancellationToken = default) =>
            inner.ReportAsync(currentFile, partialOutput, cancellationToken);

        public async ValueTask ReportLiveAsync(PhaseLiveUpdate update, CancellationToken cancellationToken = default)
        {
            await inner.ReportLiveAsync(update, cancellationToken);
            await afterLive(update);
        }

        public void AddUsage(long inputTokens, long outputTokens) => inner.AddUsage(inputTokens, outputTokens);

        public void AddUsage(long inputTokens, long outputTokens, string? model) => inner.AddUsage(inputTokens, outputTokens, model);

        public void EstimateOutputTokens(long outputTokens) => inner.EstimateOutputTokens(outputTokens);
    }
}
