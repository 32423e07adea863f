using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Iteration.Streaming.Diagnostics;
using Iteration.Streaming.Engine;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Records;
using Iteration.Streaming.Runs.Recovery;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Runs;

/// <summary>
/// Makes every append of a run, from its first event to its terminal one: plans (or takes the plan on record), asks the
/// generator for each phase that is not saved yet, saves the phase before reporting it complete, finalises, validates an
/// iteration against its parent, assesses quality and completes; or ends failed/cancelled with the progress reached, or
/// stops without a terminal event when the run is interrupted and will resume. A fresh run, a resumed run and a retry
/// are the same path; they differ only in the events before the first phase they generate.
/// </summary>
/// <remarks>
/// When storage refuses a write of the run (its log, record or files: <see cref="StorageFailures"/>), the run ends
/// without a terminal event on record, as an interrupted run does, and its watchers get a <c>storage_unavailable</c> end
/// from memory (<see cref="UnstoredEndings"/>). At the next start it resumes from its saved phases: no work is lost, and
/// no event id that a client holds is missing from the log (the <c>resumed</c> event takes the number of the end that
/// was only in memory). Storing a failed end instead would stop a run that only needed its disk back.
/// </remarks>
internal sealed class RunPipeline(
    IGenerationEventLog eventLog,
    IFileSink fileSink,
    IGenerationRecordStore records,
    IServiceScopeFactory scopes,
    IOptionsMonitor<IterationStreamingOptions> options,
    TimeProvider timeProvider,
    EngineMetrics metrics,
    RunDurationHistory history,
    IterationStreamingMessages messages,
    UnstoredEndings unstoredEndings,
    GenerationStorageHealth storageHealth,
    ILogger logger)
{
    /// <summary>Appends the <c>queued</c> event of a run that waits for a slot.</summary>
    public async Task AppendQueuedAsync(GenerationRun run, int position)
    {
        Log.RunQueued(logger, run.GenerationId, position, options.CurrentValue.MaxConcurrentGenerations);
        await AppendAsync(run, run.CreateEvent(GenerationStatus.Queued, GenerationStages.Queued, ProgressModel.Queued, messages.Queued(position), timeProvider.GetUtcNow()))
            .ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="run"/> to its terminal event, or until it is interrupted.</summary>
    public async Task RunAsync(GenerationRun run)
    {
        // The run outlives the request that started it: its span is a root linked to that request, not its child.
        Activity.Current = null;
        using var activity = IterationStreamingDiagnostics.ActivitySource.StartActivity(
            TelemetryTags.RunSpan,
            ActivityKind.Internal,
            parentContext: default,
            tags:
            [
                new(TelemetryTags.GenerationId, run.GenerationId),
                new(TelemetryTags.GenerationParentId, run.Definition.ParentGenerationId),
                new(TelemetryTags.GenerationMode, run.Mode.GenerationMode),
                new(TelemetryTags.GenerationStart, run.Start.ToString()),
            ],
            links: run.StartedFrom == default ? null : [new ActivityLink(run.StartedFrom)]);

        var settings = options.CurrentValue;
        run.StartedAt = timeProvider.GetUtcNow();
        run.StartWatchdog(timeProvider, settings.IdleTimeout);
        metrics.RunStarted(run.Mode.GenerationMode);
        Log.RunStarted(logger, run.GenerationId, run.Definition.ParentGenerationId, run.Mode.GenerationMode);

        var position = new RunPosition();
        RunOutcome outcome;
        try
        {
            var scope = scopes.CreateAsyncScope();
            await using (scope.ConfigureAwait(false))
            {
                outcome = await RunStagesAsync(run, scope.ServiceProvider, position, settings).ConfigureAwait(false);
            }
        }
        catch (Exception) when (run.Token.IsCancellationRequested)
        {
            outcome = Stopped(run, settings);
        }
        catch (Exception ex)
        {
            outcome = StorageFailures.IsStorageFailure(ex) ? StorageUnavailable(run, position, ex) : Failed(run, position, ex);
            run.FirstEvent.TrySetException(ex);
        }

        await EndAsync(run, activity, outcome, started: true).ConfigureAwait(false);

        // An interrupted run may end before its first event: whoever waits for it must not wait forever.
        run.FirstEvent.TrySetResult();
    }

    /// <summary>Ends a run that never left the queue here.</summary>
    public Task EndQueuedAsync(GenerationRun run, CancelReason reason)
    {
        Log.RunCancelled(logger, run.GenerationId, reason switch
        {
            CancelReason.Shutdown => "shutdown while queued",
            CancelReason.OwnershipLost => "ended by another instance while queued",
            _ => "request while queued",
        });
        var outcome = reason switch
        {
            CancelReason.OwnershipLost => RunOutcome.NoTerminal,
            CancelReason.Shutdown when records.IsDurable => RunOutcome.Interrupted,
            CancelReason.Shutdown => new RunOutcome(GenerationStatus.Cancelled, GenerationStages.Cancelled, messages.ShuttingDown()),
            _ => new RunOutcome(GenerationStatus.Cancelled, GenerationStages.Cancelled, messages.Cancelled()),
        };
        return EndAsync(run, null, outcome, started: false);
    }

    /// <summary>Ends a generation on record that no run of this process will continue: resumed too often, or not resumed.</summary>
    public async Task EndUnrunAsync(GenerationRun run, string status, string stage, string message, string? error)
    {
        await SeedProgressAsync(run).ConfigureAwait(false);
        await EndAsync(run, null, new RunOutcome(status, stage, message, error), started: false).ConfigureAwait(false);
    }

    private async Task<RunOutcome> RunStagesAsync(GenerationRun run, IServiceProvider services, RunPosition position, IterationStreamingOptions settings)
    {
        var token = run.Token;
        var id = run.GenerationId;
        var definition = run.Definition;
        var generator = services.GetService<IPhaseGenerator>() ?? throw IterationEngine.NoGenerator();
        var planner = services.GetRequiredService<IPhasePlanner>();
        var assessor = services.GetRequiredService<IQualityAssessor>();

        var attempt = run.Record.Attempts + 1;
        await records.UpdateAsync(id, new GenerationRecordUpdate { Status = GenerationStatus.Processing, Attempts = attempt, ClearInterrupted = true }, CancellationToken.None)
            .ConfigureAwait(false);

        if (run.Start.ContinuesLog())
        {
            await SeedProgressAsync(run).ConfigureAwait(false);
        }
        else
        {
            await EmitAsync(run, GenerationStages.Initializing, ProgressModel.Initializing, messages.Starting(run.Record)).ConfigureAwait(false);
        }

        token.ThrowIfCancellationRequested();
        var files = await fileSink.GetManifestAsync(id, token).ConfigureAwait(false);
        if (files is null)
        {
            if (run.Start == RunStart.Fresh)
            {
                position.Stage = GenerationStages.CodeGeneration;
                await EmitAsync(run, GenerationStages.CodeGeneration, ProgressModel.CodeGeneration, messages.CodeGeneration(run.Record)).ConfigureAwait(false);
            }

            if (definition.RetryOf is { } source && run.Record.PhasesSaved > 0)
            {
                await fileSink.CreateFromAsync(id, source, token).ConfigureAwait(false);
            }
            else
            {
                await fileSink.CreateAsync(id, definition.ParentGenerationId, token).ConfigureAwait(false);
            }

            files = await fileSink.GetManifestAsync(id, token).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"The file sink created no storage for generation '{id}'.");
        }

        var parentFiles = definition.ParentGenerationId is { } parentId
            ? await fileSink.GetManifestAsync(parentId, token).ConfigureAwait(false)
            : null;

        var plan = run.Record.Plan;
        var planned = plan is null;
        if (plan is null)
        {
            plan = await planner.PlanAsync(
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
            await records.UpdateAsync(id, new GenerationRecordUpdate { Plan = plan }, CancellationToken.None).ConfigureAwait(false);
            Log.RunPlanned(logger, id, plan.Count);
        }

        var model = run.Model = new ProgressModel(plan);
        var entities = definition.Entities.Count;
        var summaries = plan.Select(static p => new PhaseSummary { Phase = p.Number, Name = p.Name }).ToArray();
        var saved = Math.Clamp(run.Record.PhasesSaved, 0, plan.Count);

        // The phases kept by a retry ran in the old generation: its log says how long they took.
        var earlier = run.EarlierPhases;
        if (earlier is null && run.Start == RunStart.Retry && saved > 0 && definition.RetryOf is { } retried)
        {
            earlier = (await RunLogScan.ReadAsync(eventLog, retried, token).ConfigureAwait(false)).PhaseDurations;
        }

        run.Estimate = new RunEstimate(plan, saved, earlier, history.SecondsPerWeight);
        var keptFiles = files.Files.Count(f => f.Phase >= 1 && f.Phase <= (saved == 0 ? 0 : plan[saved - 1].Number));

        // Files of the parent missing now were deleted by saved phases (the deletes of those phases are not on record).
        var deleted = new HashSet<string>(
            parentFiles is null || run.Start == RunStart.Fresh ? [] : parentFiles.Files.Select(static f => f.Path).Except(files.Files.Select(static f => f.Path)),
            StringComparer.Ordinal);

        async ValueTask PhasedStartAsync()
        {
            position.Stage = GenerationStages.PhasedGenerationStarted;
            await EmitAsync(
                run,
                GenerationStages.PhasedGenerationStarted,
                ProgressModel.PhasesStart,
                messages.PhasedStart(entities),
                phaseInfo: new PhaseInfo { TotalPhases = plan.Count, CurrentPhase = 0, EntitiesCount = entities, Phases = summaries }).ConfigureAwait(false);
        }

        if (!run.Start.ContinuesLog())
        {
            await PhasedStartAsync().ConfigureAwait(false);
        }

        if (run.Start != RunStart.Fresh)
        {
            position.Stage = GenerationStages.Resumed;
            var next = saved < plan.Count ? plan[saved] : null;
            await EmitAsync(
                run,
                GenerationStages.Resumed,
                saved == 0 ? ProgressModel.PhasesStart : model.PhaseCompleted(saved - 1),
                messages.Resumed(run.Record, ResumeReasonOf(run.Start), saved, keptFiles, plan.Count),
                phaseInfo: new PhaseInfo
                {
                    TotalPhases = plan.Count,
                    CurrentPhase = next?.Number ?? plan.Count,
                    EntitiesCount = entities,
                    Phase = next?.Number,
                    Name = next?.Name,
                    TotalFiles = keptFiles,
                    Phases = summaries,
                }).ConfigureAwait(false);
            if (run.Start.ContinuesLog() && planned)
            {
                await PhasedStartAsync().ConfigureAwait(false);
            }
        }

        var totalGenerated = keptFiles;
        var usage = new TokenUsage();
        for (var index = saved; index < plan.Count; index++)
        {
            var phase = plan[index];
            position.Phase = phase;
            var (phaseFiles, phaseUsage) = await RunPhaseAsync(run, generator, plan, index, files, totalGenerated, deleted, position, settings).ConfigureAwait(false);
            files = phaseFiles.Manifest;
            totalGenerated += phaseFiles.Written;
            usage.Add(phaseUsage);
        }

        position.Phase = null;
        position.Stage = GenerationStages.FileManagement;
        await EmitAsync(run, GenerationStages.FileManagement, ProgressModel.FileManagement, messages.FileManagement()).ConfigureAwait(false);
        await fileSink.CompleteAsync(id, token).ConfigureAwait(false);
        files = await fileSink.GetManifestAsync(id, token).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"The file sink lost the storage of generation '{id}'.");
        await records.UpdateAsync(id, new GenerationRecordUpdate { FileCount = files.Files.Count, TotalBytes = files.TotalBytes }, CancellationToken.None)
            .ConfigureAwait(false);

        if (parentFiles is not null)
        {
            position.Stage = GenerationStages.Validation;
            var missing = DataLossCheck.FindMissing(parentFiles, files, deleted);
            if (missing.Count > 0)
            {
                Log.DataLossDetected(logger, id, definition.ParentGenerationId!, missing.Count);
                var warning = run.CreateEvent(
                    GenerationStatus.Processing,
                    GenerationStages.Validation,
                    ProgressModel.Validation,
                    messages.DataLossWarning(parentFiles.Files.Count, files.Files.Count),
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

        position.Stage = GenerationStages.QualityAssessment;
        token.ThrowIfCancellationRequested();
        await EmitAsync(run, GenerationStages.QualityAssessment, ProgressModel.QualityAssessment, messages.QualityAssessment()).ConfigureAwait(false);
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

        var count = files.Files.Count;
        Log.RunCompleted(logger, id, count, Elapsed(run).TotalMilliseconds);
        return new RunOutcome(
            GenerationStatus.Completed,
            GenerationStages.Completed,
            messages.Completed(run.Record, count),
            PartialOutput: usage.AddTo(summary));
    }

    private async Task<(PhaseResult Files, TokenUsage Usage)> RunPhaseAsync(
        GenerationRun run,
        IPhaseGenerator generator,
        IReadOnlyList<PlannedPhase> plan,
        int index,
        FileManifest files,
        int totalBefore,
        HashSet<string> deleted,
        RunPosition position,
        IterationStreamingOptions settings)
    {
        var token = run.Token;
        var id = run.GenerationId;
        var phase = plan[index];
        var number = phase.Number;
        var model = run.Model!;
        var entities = run.Definition.Entities.Count;
        position.Stage = GenerationStages.PhaseStarted(number);
        using var phaseActivity = IterationStreamingDiagnostics.ActivitySource.StartActivity(
            TelemetryTags.PhaseSpan,
            ActivityKind.Internal,
            parentContext: default,
            tags:
            [
                new(TelemetryTags.GenerationId, id),
                new(TelemetryTags.PhaseNumber, number),
                new(TelemetryTags.PhaseName, phase.Name),
                new(TelemetryTags.PhaseKind, phase.Kind.ToString()),
            ]);
        var phaseStarted = timeProvider.GetTimestamp();

        var state = new PhaseState(phase, totalBefore, plan.Count, entities);
        run.Estimate?.PhaseStarted(index, phaseStarted);
        await EmitAsync(run, GenerationStages.PhaseStarted(number), model.PhaseStarted(index), messages.PhaseStarted(phase), phaseInfo: state.Info()).ConfigureAwait(false);

        var progress = new RunPhaseProgress(this, run, state, index, settings);
        var context = new PhaseContext
        {
            GenerationId = id,
            Prompt = run.Definition.Prompt,
            ModificationPrompt = run.Definition.ModificationPrompt,
            ParentGenerationId = run.Definition.ParentGenerationId,
            Entities = run.Definition.Entities,
            Phase = phase,
            Plan = plan,
            Files = files,
            Mode = run.Mode,
            Progress = progress,
            Attempt = run.Record.Attempts + 1,
            RetryOf = run.Definition.RetryOf,
        };

        var source = generator.GenerateAsync(context, token)
            ?? throw new GenerationFailedException($"The phase generator returned null for phase {number}.");
        await foreach (var file in AbandonableEnumeration.EnumerateAsync(source, token).ConfigureAwait(false))
        {
            state.Add(CheckFile(file, state, settings), deleted);
            run.Estimate?.PhaseProgressed(index, state.Batch.Count, phase.EstimatedFileCount);
            await EmitAsync(
                run,
                GenerationStages.PhaseProgress(number),
                model.PhaseFile(index, state.Batch.Count, phase.EstimatedFileCount),
                file!.IsDelete ? messages.FileDeleted(file.Path) : messages.FileGenerated(file.Path),
                phaseInfo: state.Info(),
                currentFile: file.Path,
                partialOutput: CheckPartialOutput(file.PartialOutput, settings)).ConfigureAwait(false);
        }

        token.ThrowIfCancellationRequested();
        files = await fileSink.SavePhaseAsync(id, number, state.Batch, token).ConfigureAwait(false);

        var duration = timeProvider.GetElapsedTime(phaseStarted);
        run.Estimate?.PhaseCompleted(index, duration);
        metrics.PhaseSaved(phase.Kind.ToString(), duration);
        var usage = progress.Usage;
        if (!usage.IsEmpty)
        {
            metrics.TokensUsed(run.Mode.GenerationMode, usage.InputTokens, usage.OutputTokens);
        }

        Log.PhaseSaved(logger, id, number, phase.Name, state.Written.Count, duration.TotalMilliseconds);
        phaseActivity?.SetTag(TelemetryTags.PhaseFilesGenerated, state.Written.Count);

        position.Stage = GenerationStages.PhaseComplete(number);
        await EmitAsync(
            run,
            GenerationStages.PhaseComplete(number),
            model.PhaseCompleted(index),
            messages.PhaseComplete(phase, state.Written.Count),
            phaseInfo: state.Info(completed: true),
            partialOutput: usage.AddTo(null)).ConfigureAwait(false);

        // The event is the commit point of the phase (a resumed run reads it from the log); the record follows.
        await records.UpdateAsync(
            id,
            new GenerationRecordUpdate { PhasesSaved = index + 1, FileCount = files.Files.Count, TotalBytes = files.TotalBytes },
            CancellationToken.None).ConfigureAwait(false);
        return (new PhaseResult(files, state.Written.Count), usage);
    }

    /// <summary>Appends a <c>phase_{n}_progress</c> event reported by the generator through <see cref="IPhaseProgress"/>.</summary>
    internal ValueTask ReportAsync(GenerationRun run, PhaseState state, int index, string currentFile, IReadOnlyDictionary<string, JsonElement>? partialOutput, IterationStreamingOptions settings)
    {
        FilePathValidator.ThrowIfInvalid(currentFile, settings.MaxPathLength);
        return EmitAsync(
            run,
            GenerationStages.PhaseProgress(state.Phase.Number),
            run.Model!.PhaseFile(index, state.Batch.Count, state.Phase.EstimatedFileCount),
            messages.FileWriting(currentFile),
            phaseInfo: state.Info(),
            currentFile: currentFile,
            partialOutput: CheckPartialOutput(partialOutput, settings));
    }

    private static GeneratedFile CheckFile(GeneratedFile? file, PhaseState state, IterationStreamingOptions settings)
    {
        var phase = state.Phase.Number;
        if (file is null)
        {
            throw new GenerationFailedException($"The phase generator yielded null in phase {phase}.");
        }

        FilePathValidator.ThrowIfInvalid(file.Path, settings.MaxPathLength);
        if (!file.IsDelete && file.Content.Length > settings.MaxFileSize)
        {
            throw new InvalidGeneratedFileException(
                file.Path,
                $"The generated file {FilePathValidator.Show(file.Path)} is refused: it is {file.Content.Length} bytes, more than the limit of {settings.MaxFileSize} (MaxFileSize).");
        }

        if (state.Batch.Count >= settings.MaxFilesPerGeneration)
        {
            throw new InvalidGeneratedFileException(
                file.Path,
                $"Phase {phase} is refused: the generator yielded more than {settings.MaxFilesPerGeneration} files (MaxFilesPerGeneration).");
        }

        if (state.Bytes + file.Content.Length > settings.MaxPhaseBytes)
        {
            throw new InvalidGeneratedFileException(
                file.Path,
                $"Phase {phase} is refused: its files add up to more than {settings.MaxPhaseBytes} bytes (MaxPhaseBytes).");
        }

        return file;
    }

    private static IReadOnlyDictionary<string, JsonElement>? CheckPartialOutput(IReadOnlyDictionary<string, JsonElement>? partialOutput, IterationStreamingOptions settings)
    {
        if (partialOutput is null)
        {
            return null;
        }

        long size = 2;
        foreach (var (key, value) in partialOutput)
        {
            size += key.Length + 4 + (value.ValueKind == JsonValueKind.Undefined ? 0 : value.GetRawText().Length);
            if (size > settings.MaxPartialOutputBytes)
            {
                throw new GenerationFailedException(
                    $"The generator attached a partial output of more than {settings.MaxPartialOutputBytes} bytes to one event (MaxPartialOutputBytes).");
            }
        }

        return partialOutput;
    }

    private async ValueTask EmitAsync(
        GenerationRun run,
        string stage,
        double progress,
        string message,
        PhaseInfo? phaseInfo = null,
        string? currentFile = null,
        IReadOnlyDictionary<string, JsonElement>? partialOutput = null)
    {
        var progressEvent = run.CreateEvent(GenerationStatus.Processing, stage, progress, message, timeProvider.GetUtcNow()) with
        {
            EstimatedTimeRemaining = EstimateRemaining(run),
            PhaseInfo = phaseInfo,
            CurrentFile = currentFile,
            PartialOutput = partialOutput,
        };
        await AppendAsync(run, progressEvent).ConfigureAwait(false);
    }

    private async ValueTask AppendAsync(GenerationRun run, StreamingProgressEvent progressEvent)
    {
        var entry = await eventLog.AppendAsync(progressEvent, CancellationToken.None).ConfigureAwait(false);
        run.LastSequence = entry.Sequence;
        run.Touch();
        run.FirstEvent.TrySetResult();
    }

    /// <summary>A run that continues a log starts from the progress its log reached, so progress never goes back.</summary>
    private async Task SeedProgressAsync(GenerationRun run)
    {
        try
        {
            if (await eventLog.GetLatestAsync(run.GenerationId, CancellationToken.None).ConfigureAwait(false) is { } latest)
            {
                run.Advance(latest.Event.Progress);
                run.LastSequence = Math.Max(run.LastSequence, latest.Sequence);
            }
        }
        catch (GenerationNotFoundException)
        {
        }
    }

    private RunOutcome Stopped(GenerationRun run, IterationStreamingOptions settings)
    {
        switch (run.CancelReason)
        {
            case CancelReason.Timeout:
                Log.RunTimedOut(logger, run.GenerationId, settings.IdleTimeout);
                var error = messages.TimeoutError(settings.IdleTimeout);
                return new RunOutcome(GenerationStatus.Failed, GenerationStages.Timeout, messages.TimedOut(run.Record, error), error);
            case CancelReason.OwnershipLost:
                Log.RunOwnershipLost(logger, run.GenerationId);
                return RunOutcome.NoTerminal;
            case CancelReason.Shutdown when records.IsDurable:
                Log.RunInterrupted(logger, run.GenerationId);
                return RunOutcome.Interrupted;
            case CancelReason.Shutdown:
                Log.RunCancelled(logger, run.GenerationId, "shutdown");
                return new RunOutcome(GenerationStatus.Cancelled, GenerationStages.Cancelled, messages.ShuttingDown());
            default:
                Log.RunCancelled(logger, run.GenerationId, "request");
                return new RunOutcome(GenerationStatus.Cancelled, GenerationStages.Cancelled, messages.Cancelled());
        }
    }

    private RunOutcome Failed(GenerationRun run, RunPosition position, Exception exception)
    {
        string reason;
        if (exception is GenerationFailedException or InvalidGeneratedFileException)
        {
            // Written for the user by the generator, or by our own validation (paths shown escaped).
            reason = exception.Message;
            Log.RunFailed(logger, run.GenerationId, position.Stage, exception);
        }
        else
        {
            var reference = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
            reason = messages.InternalError(position.Phase, reference);
            Log.RunFailedInternally(logger, run.GenerationId, position.Stage, reference, exception);
        }

        Activity.Current?.AddException(exception);
        return new RunOutcome(GenerationStatus.Failed, GenerationStages.Error, messages.Failed(run.Record, reason), reason);
    }

    private RunOutcome StorageUnavailable(GenerationRun run, RunPosition position, Exception exception)
    {
        Log.RunStorageFailed(logger, run.GenerationId, position.Stage, exception);
        storageHealth.ReportFailure(StorageFailures.PartOf(exception));
        Activity.Current?.AddException(exception);
        return RunOutcome.Unstored;
    }

    private static ResumeReason ResumeReasonOf(RunStart start) => start switch
    {
        RunStart.Retry => ResumeReason.Retry,
        RunStart.Takeover => ResumeReason.Takeover,
        _ => ResumeReason.Restart,
    };

    private async Task EndAsync(GenerationRun run, Activity? activity, RunOutcome outcome, bool started)
    {
        run.StopWatchdog();
        if (started)
        {
            var duration = Elapsed(run);
            metrics.RunEnded(run.Mode.GenerationMode, outcome.Status ?? GenerationStatus.Processing, outcome.IsUnstored ? UnstoredEndings.Stage : outcome.Stage ?? "interrupted", duration);
            if (outcome.Status == GenerationStatus.Completed && run.Estimate is { } estimate)
            {
                var (seconds, weight) = estimate.MeasuredThisAttempt;
                history.Record(seconds, weight);
            }
        }

        if (activity is not null)
        {
            activity.SetTag(TelemetryTags.GenerationStatus, outcome.Status ?? TelemetryTags.Interrupted);
            activity.SetTag(TelemetryTags.GenerationCancelReason, run.CancelReason == CancelReason.None ? null : run.CancelReason.ToString());
            if (outcome.Status == GenerationStatus.Failed)
            {
                activity.SetTag(TelemetryTags.ErrorType, outcome.Stage);
            }

            activity.SetStatus(outcome.Status == GenerationStatus.Failed ? ActivityStatusCode.Error : ActivityStatusCode.Ok, outcome.Error);
            activity.Stop();
        }

        if (outcome.IsUnstored)
        {
            await EndUnstoredAsync(run).ConfigureAwait(false);
            return;
        }

        try
        {
            if (outcome.IsInterrupted)
            {
                // The run resumes at the next start (or on another instance): no terminal event, the record says so.
                run.Interrupted = true;
                await records.UpdateAsync(run.GenerationId, new GenerationRecordUpdate { InterruptedAt = timeProvider.GetUtcNow() }, CancellationToken.None)
                    .ConfigureAwait(false);
                return;
            }

            if (outcome.Status is not { } status)
            {
                // Another instance appended the terminal event (and set the record) already.
                return;
            }

            var progress = status == GenerationStatus.Completed ? ProgressModel.Completed : run.Progress;
            var terminal = run.CreateEvent(status, outcome.Stage!, progress, outcome.Message!, timeProvider.GetUtcNow()) with
            {
                Error = outcome.Error,
                PartialOutput = outcome.PartialOutput,
            };

            // The terminal event is the commit point: once it is in the log the generation has ended, whatever happens
            // next. The record follows it (and is repaired from the log when a crash came in between).
            try
            {
                var entry = await eventLog.AppendAsync(terminal, CancellationToken.None).ConfigureAwait(false);
                run.LastSequence = entry.Sequence;

                // An end reported from memory before (a cancel once storage came back) gives way to the stored one.
                unstoredEndings.Remove(run.GenerationId);
            }
            catch (Exception ex)
            {
                // Not stored: the run stays unfinished on record (it resumes at the next start), and its watchers are told now.
                Log.TerminalEventFailed(logger, run.GenerationId, ex);
                if (StorageFailures.IsStorageFailure(ex))
                {
                    storageHealth.ReportFailure(StorageFailures.PartOf(ex));
                }

                await EndUnstoredAsync(run).ConfigureAwait(false);
                return;
            }

            run.FirstEvent.TrySetResult();
            await records.UpdateAsync(run.GenerationId, new GenerationRecordUpdate { Status = status }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.RecordEndFailed(logger, run.GenerationId, ex);
        }
    }

    /// <summary>
    /// Ends a run whose progress or end storage refused: no terminal event on record (the run resumes at the next start,
    /// or on another instance), and a <c>storage_unavailable</c> end in memory that this instance's snapshot and streams report.
    /// </summary>
    private async Task EndUnstoredAsync(GenerationRun run)
    {
        run.Interrupted = true;
        if (run.LastSequence == 0)
        {
            // Nothing appended by this run: number the end after what the log holds (reads work on a full disk).
            try
            {
                if (await eventLog.GetLatestAsync(run.GenerationId, CancellationToken.None).ConfigureAwait(false) is { } latest)
                {
                    run.LastSequence = latest.Sequence;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.TerminalEventFailed(logger, run.GenerationId, ex);
            }
        }

        var error = messages.StorageUnavailable();
        var end = run.CreateEvent(GenerationStatus.Failed, UnstoredEndings.Stage, run.Progress, messages.Failed(run.Record, error), timeProvider.GetUtcNow()) with
        {
            Error = error,
        };
        unstoredEndings.Add(EventLogEntry.Create(run.LastSequence + 1, end));
        run.SignalEndedUnstored();
        run.FirstEvent.TrySetResult();
        Log.RunEndedUnstored(logger, run.GenerationId, run.LastSequence + 1);

        try
        {
            await records.UpdateAsync(run.GenerationId, new GenerationRecordUpdate { InterruptedAt = timeProvider.GetUtcNow() }, CancellationToken.None)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The record shows it unfinished either way: it resumes at the next start.
            Log.RecordEndFailed(logger, run.GenerationId, ex);
        }
    }

    private double? EstimateRemaining(GenerationRun run) => run.Estimate?.Remaining(timeProvider);

    private TimeSpan Elapsed(GenerationRun run) =>
        run.StartedAt is { } started ? timeProvider.GetUtcNow() - started : TimeSpan.Zero;

    /// <summary>Where the run is, for the failure message and the log.</summary>
    private sealed class RunPosition
    {
        public string Stage { get; set; } = GenerationStages.Initializing;

        public PlannedPhase? Phase { get; set; }
    }

    private sealed record PhaseResult(FileManifest Manifest, int Written);

    /// <summary>How a run ended: a terminal event to append, none (another instance appended it), or an interruption.</summary>
    private sealed record RunOutcome(
        string? Status,
        string? Stage,
        string? Message,
        string? Error = null,
        IReadOnlyDictionary<string, JsonElement>? PartialOutput = null,
        bool IsInterrupted = false,
        bool IsUnstored = false)
    {
        public static readonly RunOutcome NoTerminal = new(null, null, null);

        public static readonly RunOutcome Interrupted = new(null, null, null, IsInterrupted: true);

        /// <summary>Storage refused the run's progress: it ends as <see cref="EndUnstoredAsync"/> says.</summary>
        public static readonly RunOutcome Unstored = new(null, null, null, IsUnstored: true);
    }
}
