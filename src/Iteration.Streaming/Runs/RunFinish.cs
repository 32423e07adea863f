using Iteration.Streaming.Engine;
using Iteration.Streaming.Diagnostics;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Records;
using Iteration.Streaming.Runs.Budgets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.Runs;

/// <summary>
/// The last stages of a run once every phase is saved: file management (the sink completes the generation), an
/// iteration's check against its parent (a data-loss warning), the quality assessment, and the completed outcome.
/// </summary>
internal sealed class RunFinish(
    IFileSink fileSink,
    IGenerationRecordStore records,
    RunEvents events,
    TimeProvider timeProvider,
    IterationStreamingMessages messages,
    ILogger logger)
{
    public async Task<RunOutcome> RunAsync(
        GenerationRun run,
        IServiceProvider services,
        IReadOnlyList<PlannedPhase> plan,
        FileManifest files,
        FileManifest? parentFiles,
        HashSet<string> deleted,
        RunPosition position)
    {
        var token = run.Token;
        var id = run.GenerationId;
        position.Stage = GenerationStages.FileManagement;
        await events.EmitAsync(run, GenerationStages.FileManagement, ProgressModel.FileManagement, messages.FileManagement()).ConfigureAwait(false);
        await fileSink.CompleteAsync(id, token).ConfigureAwait(false);
        files = await fileSink.GetManifestAsync(id, token).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"The file sink lost the storage of generation '{id}'.");
        await records.UpdateAsync(id, new GenerationRecordUpdate { FileCount = files.Files.Count, TotalBytes = files.TotalBytes }, CancellationToken.None)
            .ConfigureAwait(false);

        if (parentFiles is not null)
        {
            position.Stage = GenerationStages.Validation;
            await CheckDataLossAsync(run, files, parentFiles, deleted).ConfigureAwait(false);
        }

        position.Stage = GenerationStages.QualityAssessment;
        token.ThrowIfCancellationRequested();
        await events.EmitAsync(run, GenerationStages.QualityAssessment, ProgressModel.QualityAssessment, messages.QualityAssessment()).ConfigureAwait(false);
        var summary = await services.GetRequiredService<IQualityAssessor>().AssessAsync(
            new QualityAssessmentContext
            {
                GenerationId = id,
                ParentGenerationId = run.Definition.ParentGenerationId,
                Plan = plan,
                Files = files,
                ParentFiles = parentFiles,
            },
            token).ConfigureAwait(false);
        token.ThrowIfCancellationRequested();

        var count = files.Files.Count;
        var elapsed = run.StartedAt is { } started ? timeProvider.GetUtcNow() - started : TimeSpan.Zero;
        Log.RunCompleted(logger, id, count, elapsed.TotalMilliseconds);
        return new RunOutcome(
            GenerationStatus.Completed,
            GenerationStages.Completed,
            messages.Completed(run.Record, count),
            PartialOutput: SpendOutput.AddTo(summary, run.Spend.HasUsage ? run.Spend.Total() : null));
    }

    private async Task CheckDataLossAsync(GenerationRun run, FileManifest files, FileManifest parentFiles, HashSet<string> deleted)
    {
        var missing = DataLossCheck.FindMissing(parentFiles, files, deleted);
        if (missing.Count == 0)
        {
            return;
        }

        Log.DataLossDetected(logger, run.GenerationId, run.Definition.ParentGenerationId!, missing.Count);
        var warning = run.CreateEvent(
            GenerationStatus.Processing,
            GenerationStages.Validation,
            ProgressModel.Validation,
            messages.DataLossWarning(parentFiles.Files.Count, files.Files.Count),
            timeProvider.GetUtcNow(),
            events.EstimateRemaining(run)) with
        {
            WarningType = WarningTypes.DataLossDetection,
            ParentFileCount = parentFiles.Files.Count,
            NewFileCount = files.Files.Count,
            MissingFiles = missing.Take(DataLossCheck.MaxListedFiles).ToArray(),
        };
        await events.AppendAsync(run, warning).ConfigureAwait(false);
    }
}
