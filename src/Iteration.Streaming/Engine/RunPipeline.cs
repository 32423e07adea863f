using System.Diagnostics;
using System.Globalization;
using Iteration.Streaming.Diagnostics;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Engine;

/// <summary>
/// Executes one run from <c>initializing</c> to its terminal event: plans, asks the generator for each phase's files,
/// saves them before reporting the phase complete, finalises, validates an iteration against its parent, assesses
/// quality and completes; or ends failed/cancelled with the progress reached.
/// </summary>
internal sealed class RunPipeline(
    IGenerationEventLog eventLog,
    IFileSink fileSink,
    IGenerationRecordStore records,
    IServiceScopeFactory scopes,
    IOptionsMonitor<IterationStreamingOptions> options,
    TimeProvider timeProvider,
    EngineMetrics metrics,
    RunDurationHistory history,
    ILogger logger)
{
    public const string CancelledMessage = "Generation cancelled";

    public const string ShutdownMessage = "Generation cancelled: the host is shutting down";

    /// <summary>Runs <paramref name="run"/> to its terminal event.</summary>
    /// <param name="run">The run.</param>
    /// <param name="release">Called once, just before the terminal event is appended: frees the run's slot, so whoever
    /// reads the terminal event finds the engine ready for the next run.</param>
    public async Task ExecuteAsync(GenerationRun run, Action release)
    {
        // The run outlives the request that started it: its span is a root linked to that request, not its child.
        Activity.Current = null;
        using var activity = IterationStreamingDiagnostics.ActivitySource.StartActivity(
            "generation.run",
            ActivityKind.Internal,
            parentContext: default,
            tags: [new("generation.id", run.GenerationId), new("generation.parent_id", run.Definition.ParentGenerationId), new("generation.mode", run.Mode.GenerationMode)],
            links: run.StartedFrom == default ? null : [new ActivityLink(run.StartedFrom)]);

        var settings = options.CurrentValue;
        run.StartedAt = timeProvider.GetUtcNow();
        run.StartWatchdog(timeProvider, settings.IdleTimeout);
        metrics.RunStarted(run.Mode.GenerationMode);
        Log.RunStarted(logger, run.GenerationId, run.Definition.ParentGenerationId, run.Mode.GenerationMode);

        var stage = GenerationStages.Initializing;
        try
        {
            var scope = scopes.CreateAsyncScope();
            await using (scope.ConfigureAwait(false))
            {
                var outcome = await RunStagesAsync(run, scope.ServiceProvider, s => stage = s, settings).ConfigureAwait(false);
                await EndAsync(run, activity, GenerationStatus.Completed, GenerationStages.Completed, outcome.Message, error: null, outcome.PartialOutput, release)
                    .ConfigureAwait(false);
                Log.RunCompleted(logger, run.GenerationId, outcome.FileCount, Elapsed(run).TotalMilliseconds);
            }
        }
        catch (Exception) when (run.Token.IsCancellationRequested)
        {
            activity?.SetTag("generation.cancel_reason", run.CancelReason.ToString());
            switch (run.CancelReason)
            {
                case CancelReason.Timeout:
                    Log.RunTimedOut(logger, run.GenerationId, settings.IdleTimeout);
                    var error = string.Create(CultureInfo.InvariantCulture, $"The generation emitted no progress for {Describe(settings.IdleTimeout)} (IdleTimeout) and was stopped.");
                    await EndAsync(run, activity, GenerationStatus.Failed, GenerationStages.Timeout, "Generation timed out: " + error, error, null, release).ConfigureAwait(false);
                    break;
                case CancelReason.OwnershipLost:
                    Log.RunOwnershipLost(logger, run.GenerationId);
                    await EndAsync(run, activity, GenerationStatus.Failed, GenerationStages.Error, string.Empty, null, null, release, appendTerminal: false).ConfigureAwait(false);
                    break;
                case CancelReason.Shutdown:
                    Log.RunCancelled(logger, run.GenerationId, "shutdown");
                    await EndAsync(run, activity, GenerationStatus.Cancelled, GenerationStages.Cancelled, ShutdownMessage, null, null, release).ConfigureAwait(false);
                    break;
                default:
                    Log.RunCancelled(logger, run.GenerationId, "request");
                    await EndAsync(run, activity, GenerationStatus.Cancelled, GenerationStages.Cancelled, CancelledMessage, null, null, release).ConfigureAwait(false);
                    break;
            }
        }
        catch (Exception ex)
        {
            Log.RunFailed(logger, run.GenerationId, stage, ex);
            activity?.AddException(ex);
            var message = string.Create(CultureInfo.InvariantCulture, $"{Capitalise(run.Mode.GenerationMode)} generation failed: {ex.Message}");
            await EndAsync(run, activity, GenerationStatus.Failed, GenerationStages.Error, message, ex.Message, null, release).ConfigureAwait(false);
        }
    }

    /// <summary>Ends a run that never left the queue.</summary>
    public Task EndQueuedAsync(GenerationRun run, CancelReason reason, Action release) =>
        EndAsync(
            run,
            null,
            GenerationStatus.Cancelled,
            GenerationStages.Cancelled,
            reason == CancelReason.Shutdown ? ShutdownMessage : CancelledMessage,
            null,
            null,
            release,
            started: false,
            appendTerminal: reason != CancelReason.OwnershipLost);

    public async ValueTask AppendAsync(GenerationRun run, StreamingProgressEvent progressEvent)
    {
        await eventLog.AppendAsync(progressEvent, CancellationToken.None).ConfigureAwait(false);
        run.Touch();
    }

    private async Task<RunOutcome> RunStagesAsync(GenerationRun run, IServiceProvider services, Action<string> setStage, IterationStreamingOptions settings)
    {
        var token = run.Token;
        var id = run.GenerationId;
        var definition = run.Definition;
        var mode = run.Mode.GenerationMode;
        var generator = services.GetService<IPhaseGenerator>() ?? throw IterationEngine.NoGenerator();
        var planner = services.GetRequiredService<IPhasePlanner>();
        var assessor = services.GetRequiredService<IQualityAssessor>();

        await records.UpdateAsync(id, new GenerationRecordUpdate { Status = GenerationStatus.Processing }, CancellationToken.None).ConfigureAwait(false);
        if (!run.InitializingSent)
        {
            await EmitAsync(run, GenerationStages.Initializing, ProgressModel.Initializing, StartingMessage(run)).ConfigureAwait(false);
        }

        setStage(GenerationStages.CodeGeneration);
        token.ThrowIfCancellationRequested();
        await EmitAsync(run, GenerationStages.CodeGeneration, ProgressModel.CodeGeneration, $"Generating code using {mode} AI pipeline...").ConfigureAwait(false);

        await fileSink.CreateAsync(id, definition.ParentGenerationId, token).ConfigureAwait(false);
        var parentFiles = definition.ParentGenerationId is { } parentId
            ? await fileSink.GetManifestAsync(parentId, token).ConfigureAwait(false)
            : null;
        var files = await fileSink.GetManifestAsync(id, token).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"The file sink created no storage for generation '{id}'.");

        var plan = await planner.PlanAsync(
            new PhasePlanningContext
            {
                GenerationId = id,
                Prompt = definition.Prompt,
                ModificationPrompt = definition.ModificationPrompt,
                ParentGenerationId = definition.ParentGenerationId,
                Entities = definition.Entities,
                Files = files,
                Mode = run.Mode,
            },
            token).ConfigureAwait(false);
        PlanValidator.ThrowIfInvalid(plan);
        plan = [.. plan];
        var model = run.Model = new ProgressModel(plan);
        Log.RunPlanned(logger, id, plan.Count);

        setStage(GenerationStages.PhasedGenerationStarted);
        var entities = definition.Entities.Count;
        await EmitAsync(
            run,
            GenerationStages.PhasedGenerationStarted,
            ProgressModel.PhasesStart,
            string.Create(CultureInfo.InvariantCulture, $"Starting phased generation for {entities} {(entities == 1 ? "entity" : "entities")}"),
            phaseInfo: new PhaseInfo { TotalPhases = plan.Count, CurrentPhase = 0, EntitiesCount = entities }).ConfigureAwait(false);

        var deleted = new HashSet<string>(StringComparer.Ordinal);
        var totalGenerated = 0;
        for (var index = 0; index < plan.Count; index++)
        {
            var phase = plan[index];
            var number = phase.Number;
            setStage(GenerationStages.PhaseStarted(number));
            using var phaseActivity = IterationStreamingDiagnostics.ActivitySource.StartActivity(
                "generation.phase",
                ActivityKind.Internal,
                parentContext: default,
                tags: [new("generation.id", id), new("phase.number", number), new("phase.name", phase.Name), new("phase.kind", phase.Kind.ToString())]);
            var phaseStarted = timeProvider.GetTimestamp();

            PhaseInfo Info(int? filesGenerated = null, int? totalFiles = null) => new()
            {
                TotalPhases = plan.Count,
                CurrentPhase = number,
                EntitiesCount = entities,
                Phase = number,
                Name = phase.Name,
                FilesGenerated = filesGenerated,
                TotalFiles = totalFiles,
            };

            await EmitAsync(
                run,
                GenerationStages.PhaseStarted(number),
                model.PhaseStarted(index),
                string.Create(CultureInfo.InvariantCulture, $"Phase {number} started: {phase.Name}"),
                phaseInfo: Info()).ConfigureAwait(false);

            var context = new PhaseContext
            {
                GenerationId = id,
                Prompt = definition.Prompt,
                ModificationPrompt = definition.ModificationPrompt,
                ParentGenerationId = definition.ParentGenerationId,
                Entities = definition.Entities,
                Phase = phase,
                Plan = plan,
                Files = files,
                Mode = run.Mode,
            };

            var batch = new List<GeneratedFile>();
            var written = new HashSet<string>(StringComparer.Ordinal);
            var source = generator.GenerateAsync(context, token)
                ?? throw new InvalidOperationException($"The phase generator returned null for phase {number}.");
            await foreach (var file in AbandonableEnumeration.EnumerateAsync(source, token).ConfigureAwait(false))
            {
                CheckFile(file, number, batch.Count, settings);
                batch.Add(file);
                if (file.IsDelete)
                {
                    deleted.Add(file.Path);
                    written.Remove(file.Path);
                }
                else
                {
                    deleted.Remove(file.Path);
                    written.Add(file.Path);
                }

                await EmitAsync(
                    run,
                    GenerationStages.PhaseProgress(number),
                    model.PhaseFile(index, batch.Count, phase.EstimatedFileCount),
                    (file.IsDelete ? "Deleted " : "Generated ") + file.Path,
                    phaseInfo: Info(written.Count, totalGenerated + written.Count),
                    currentFile: file.Path,
                    partialOutput: file.PartialOutput).ConfigureAwait(false);
            }

            token.ThrowIfCancellationRequested();
            files = await fileSink.SavePhaseAsync(id, number, batch, token).ConfigureAwait(false);
            await records.UpdateAsync(id, new GenerationRecordUpdate { FileCount = files.Files.Count, TotalBytes = files.TotalBytes }, CancellationToken.None).ConfigureAwait(false);
            totalGenerated += written.Count;

            var duration = timeProvider.GetElapsedTime(phaseStarted);
            metrics.PhaseSaved(phase.Kind.ToString(), duration);
            Log.PhaseSaved(logger, id, number, phase.Name, written.Count, duration.TotalMilliseconds);
            phaseActivity?.SetTag("phase.files_generated", written.Count);

            setStage(GenerationStages.PhaseComplete(number));
            await EmitAsync(
                run,
                GenerationStages.PhaseComplete(number),
                model.PhaseCompleted(index),
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Phase {number} complete: Generated {written.Count} {phase.FilesDescription} {(written.Count == 1 ? "file" : "files")}"),
                phaseInfo: Info(written.Count, totalGenerated)).ConfigureAwait(false);
        }

        setStage(GenerationStages.FileManagement);
        await EmitAsync(run, GenerationStages.FileManagement, ProgressModel.FileManagement, "Organizing and saving files...").ConfigureAwait(false);
        await fileSink.CompleteAsync(id, token).ConfigureAwait(false);
        files = await fileSink.GetManifestAsync(id, token).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"The file sink lost the storage of generation '{id}'.");
        await records.UpdateAsync(id, new GenerationRecordUpdate { FileCount = files.Files.Count, TotalBytes = files.TotalBytes }, CancellationToken.None).ConfigureAwait(false);

        if (parentFiles is not null)
        {
            setStage(GenerationStages.Validation);
            var missing = DataLossCheck.FindMissing(parentFiles, files, deleted);
            if (missing.Count > 0)
            {
                Log.DataLossDetected(logger, id, definition.ParentGenerationId!, missing.Count);
                var warning = run.CreateEvent(
                    GenerationStatus.Processing,
                    GenerationStages.Validation,
                    ProgressModel.Validation,
                    DataLossCheck.Message(parentFiles.Files.Count, files.Files.Count),
                    timeProvider.GetUtcNow(),
                    EstimateRemaining(run)) with
                {
                    WarningType = WarningTypes.DataLossDetection,
                    ParentFileCount = parentFiles.Files.Count,
                    NewFileCount = files.Files.Count,
                    MissingFiles = missing.Take(DataLossCheck.MaxListedFiles).ToArray(),
                };
                await AppendAsync(run, warning).ConfigureAwait(false);
            }
        }

        setStage(GenerationStages.QualityAssessment);
        token.ThrowIfCancellationRequested();
        await EmitAsync(run, GenerationStages.QualityAssessment, ProgressModel.QualityAssessment, "Running quality assessment...").ConfigureAwait(false);
        var summary = await assessor.AssessAsync(
            new QualityAssessmentContext
            {
                GenerationId = id,
                ParentGenerationId = definition.ParentGenerationId,
                Plan = plan,
                Files = files,
                ParentFiles = parentFiles,
            },
            token).ConfigureAwait(false);
        token.ThrowIfCancellationRequested();

        var noun = definition.ParentGenerationId is null ? "Generation" : "Iteration";
        var count = files.Files.Count;
        return new RunOutcome(
            string.Create(CultureInfo.InvariantCulture, $"{noun} completed successfully with {count} {(count == 1 ? "file" : "files")}"),
            summary,
            count);
    }

    private static void CheckFile(GeneratedFile? file, int phase, int countSoFar, IterationStreamingOptions settings)
    {
        if (file is null)
        {
            throw new InvalidOperationException($"The phase generator yielded null in phase {phase}.");
        }

        FilePathValidator.ThrowIfInvalid(file.Path, settings.MaxPathLength);
        if (!file.IsDelete && file.Content.Length > settings.MaxFileSize)
        {
            throw new InvalidGeneratedFileException(
                file.Path,
                $"The generated file {FilePathValidator.Show(file.Path)} is refused: it is {file.Content.Length} bytes, more than the limit of {settings.MaxFileSize} (MaxFileSize).");
        }

        if (countSoFar >= settings.MaxFilesPerGeneration)
        {
            throw new InvalidGeneratedFileException(
                file.Path,
                $"Phase {phase} is refused: the generator yielded more than {settings.MaxFilesPerGeneration} files (MaxFilesPerGeneration).");
        }
    }

    private async ValueTask EmitAsync(
        GenerationRun run,
        string stage,
        double progress,
        string message,
        PhaseInfo? phaseInfo = null,
        string? currentFile = null,
        IReadOnlyDictionary<string, System.Text.Json.JsonElement>? partialOutput = null)
    {
        var progressEvent = run.CreateEvent(GenerationStatus.Processing, stage, progress, message, timeProvider.GetUtcNow());
        progressEvent = progressEvent with
        {
            EstimatedTimeRemaining = EstimateRemaining(run),
            PhaseInfo = phaseInfo,
            CurrentFile = currentFile,
            PartialOutput = partialOutput,
        };
        await AppendAsync(run, progressEvent).ConfigureAwait(false);
    }

    private double? EstimateRemaining(GenerationRun run) =>
        history.EstimateRemaining(Elapsed(run), run.Progress, run.Model?.TotalWeight);

    private TimeSpan Elapsed(GenerationRun run) =>
        run.StartedAt is { } started ? timeProvider.GetUtcNow() - started : TimeSpan.Zero;

    private async Task EndAsync(
        GenerationRun run,
        Activity? activity,
        string status,
        string stage,
        string message,
        string? error,
        IReadOnlyDictionary<string, System.Text.Json.JsonElement>? partialOutput,
        Action release,
        bool started = true,
        bool appendTerminal = true)
    {
        if (run.IsEnding)
        {
            // Already ended (say, the scope's disposal threw after completion): one terminal event per run.
            return;
        }

        run.IsEnding = true;
        run.StopWatchdog();
        var progress = status == GenerationStatus.Completed ? ProgressModel.Completed : run.Progress;
        var terminal = run.CreateEvent(status, stage, progress, message, timeProvider.GetUtcNow()) with
        {
            Error = error,
            PartialOutput = partialOutput,
        };

        // Everything a reader of the terminal event may rely on happens first: counters, the span, the record
        // (so an iteration on this generation is accepted at once) and the freed slot.
        if (started)
        {
            var duration = Elapsed(run);
            metrics.RunEnded(run.Mode.GenerationMode, status, stage, duration);
            if (status == GenerationStatus.Completed && run.Model is { } model)
            {
                history.Record(duration, model.TotalWeight);
            }
        }

        if (activity is not null)
        {
            activity.SetTag("generation.status", status);
            activity.SetStatus(status == GenerationStatus.Failed ? ActivityStatusCode.Error : ActivityStatusCode.Ok, error);
            activity.Stop();
        }

        if (!appendTerminal)
        {
            // Another instance appended the terminal event (and set the record) already.
            release();
            return;
        }

        try
        {
            await records.UpdateAsync(run.GenerationId, new GenerationRecordUpdate { Status = status }, CancellationToken.None).ConfigureAwait(false);
            release();
            await eventLog.AppendAsync(terminal, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.TerminalEventFailed(logger, run.GenerationId, ex);
        }
    }

    /// <summary>The message of <c>initializing</c>: "Starting classic generation...".</summary>
    internal static string StartingMessage(GenerationRun run) =>
        $"Starting {run.Mode.GenerationMode} {(run.Definition.ParentGenerationId is null ? "generation" : "iteration")}...";

    private static string Capitalise(string value) =>
        value.Length == 0 ? value : string.Concat(char.ToUpperInvariant(value[0]).ToString(), value.AsSpan(1));

    private static string Describe(TimeSpan span) =>
        span.TotalMinutes >= 1 && span.Seconds == 0 && span.Milliseconds == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalMinutes:0.##} minutes")
            : string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.###} seconds");

    private sealed record RunOutcome(string Message, IReadOnlyDictionary<string, System.Text.Json.JsonElement>? PartialOutput, int FileCount);
}
