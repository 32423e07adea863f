using System.Collections.Frozen;
using System.Diagnostics;
using System.Text.Json;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Diagnostics;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Records;
using Iteration.Streaming.Runs.Budgets;
using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.Runs;

/// <summary>
/// Runs one phase: asks the generator for its files (with the user's instructions and locks read from the record as
/// it stands now), checks each against the limits and the locks, reports it, saves the phase at once, then reports it
/// complete (the commit point) and brings the record after it.
/// </summary>
internal sealed class PhaseRunner(
    IFileSink fileSink,
    IGenerationRecordStore records,
    RunEvents events,
    TimeProvider timeProvider,
    EngineMetrics metrics,
    IterationStreamingMessages messages,
    ILogger logger)
{
    public sealed record Result(FileManifest Manifest, int Written);

    public async Task<Result> RunAsync(
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

        // Instructions and locks sent since the run began (on any instance) apply from this phase on.
        var steering = (await records.GetAsync(id, CancellationToken.None).ConfigureAwait(false))?.Steering ?? run.Record.Steering;
        var locked = steering?.LockedPaths is { Count: > 0 } paths ? paths.ToFrozenSet(StringComparer.Ordinal) : FrozenSet<string>.Empty;

        var state = new PhaseState(phase, totalBefore, plan.Count, run.Definition.Entities.Count);
        run.Estimate?.PhaseStarted(index, phaseStarted);
        await events.EmitAsync(run, GenerationStages.PhaseStarted(number), model.PhaseStarted(index), messages.PhaseStarted(phase), phaseInfo: state.Info()).ConfigureAwait(false);

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
            ForkedFrom = run.Definition.ForkedFrom,
            FromPhase = run.Record.FromPhase,
            Instructions = steering is null ? [] : [.. steering.Inputs.Where(static i => i.Instruction is not null).Select(static i => new UserInstruction(i.Instruction!, i.Phase))],
            LockedPaths = locked,
        };

        var source = generator.GenerateAsync(context, token)
            ?? throw new GenerationFailedException($"The phase generator returned null for phase {number}.");
        await foreach (var file in AbandonableEnumeration.EnumerateAsync(source, token).ConfigureAwait(false))
        {
            var checkedFile = CheckFile(file, state, settings, trusted: generator is RevertGenerator);
            if (locked.Contains(checkedFile.Path))
            {
                await RefuseLockedAsync(run, state, checkedFile).ConfigureAwait(false);
                continue;
            }

            state.Add(checkedFile, deleted);
            run.Estimate?.PhaseProgressed(index, state.Batch.Count, phase.EstimatedFileCount);
            await events.EmitAsync(
                run,
                GenerationStages.PhaseProgress(number),
                model.PhaseFile(index, state.Batch.Count, phase.EstimatedFileCount),
                checkedFile.IsDelete ? messages.FileDeleted(checkedFile.Path) : messages.FileGenerated(checkedFile.Path),
                phaseInfo: state.Info(),
                currentFile: checkedFile.Path,
                partialOutput: CheckPartialOutput(checkedFile.PartialOutput, settings)).ConfigureAwait(false);
        }

        token.ThrowIfCancellationRequested();
        files = await fileSink.SavePhaseAsync(id, number, state.Batch, token).ConfigureAwait(false);

        var duration = timeProvider.GetElapsedTime(phaseStarted);
        run.Estimate?.PhaseCompleted(index, duration);
        metrics.PhaseSaved(phase.Kind.ToString(), duration);
        var spent = run.Spend.Phase();
        if (spent is var (usage, cost))
        {
            metrics.TokensUsed(run.Mode.GenerationMode, usage.InputTokens, usage.OutputTokens);
            if (cost is not null)
            {
                metrics.CostIncurred(run.Mode.GenerationMode, cost.Amount, cost.Currency);
            }
        }

        Log.PhaseSaved(logger, id, number, phase.Name, state.Written.Count, duration.TotalMilliseconds);
        phaseActivity?.SetTag(TelemetryTags.PhaseFilesGenerated, state.Written.Count);

        position.Stage = GenerationStages.PhaseComplete(number);
        await events.EmitAsync(
            run,
            GenerationStages.PhaseComplete(number),
            model.PhaseCompleted(index),
            messages.PhaseComplete(phase, state.Written.Count),
            phaseInfo: state.Info(completed: true) with { Changes = run.BaseFiles is { } start ? FileChangeCounts.Count(start, files.Files) : null },
            partialOutput: SpendOutput.AddTo(null, spent)).ConfigureAwait(false);

        // The event is the commit point of the phase (a resumed run reads it from the log); the record follows.
        run.Spend.CommitPhase();
        var (total, totalCost) = run.Spend.Total();
        await records.UpdateAsync(
            id,
            new GenerationRecordUpdate
            {
                PhasesSaved = index + 1,
                FileCount = files.Files.Count,
                TotalBytes = files.TotalBytes,
                Stage = GenerationStages.PhaseComplete(number),
                Progress = run.Progress,
                Usage = run.Spend.HasUsage ? total : null,
                Cost = totalCost,
            },
            CancellationToken.None).ConfigureAwait(false);
        return new Result(files, state.Written.Count);
    }

    /// <summary>Appends a <c>phase_{n}_progress</c> event reported by the generator through <see cref="IPhaseProgress"/>.</summary>
    internal ValueTask ReportAsync(GenerationRun run, PhaseState state, int index, string currentFile, IReadOnlyDictionary<string, JsonElement>? partialOutput, IterationStreamingOptions settings)
    {
        FilePathValidator.ThrowIfInvalid(currentFile, settings.MaxPathLength);
        return events.EmitAsync(
            run,
            GenerationStages.PhaseProgress(state.Phase.Number),
            run.Model!.PhaseFile(index, state.Batch.Count, state.Phase.EstimatedFileCount),
            messages.FileWriting(currentFile),
            phaseInfo: state.Info(),
            currentFile: currentFile,
            partialOutput: CheckPartialOutput(partialOutput, settings));
    }

    /// <summary>A file at a locked path is not saved: the run says so (a warning, not a failure) and goes on.</summary>
    private async Task RefuseLockedAsync(GenerationRun run, PhaseState state, GeneratedFile file)
    {
        Log.LockedPathRefused(logger, run.GenerationId, state.Phase.Number);
        var warning = run.CreateEvent(
            GenerationStatus.Processing,
            GenerationStages.Validation,
            run.Progress,
            messages.LockedPathRefused(file.Path, state.Phase, file.IsDelete),
            timeProvider.GetUtcNow(),
            events.EstimateRemaining(run)) with
        {
            WarningType = WarningTypes.LockedPath,
            CurrentFile = file.Path,
            PhaseInfo = state.Info(),
        };
        await events.AppendAsync(run, warning).ConfigureAwait(false);
    }

    private static GeneratedFile CheckFile(GeneratedFile? file, PhaseState state, IterationStreamingOptions settings, bool trusted)
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

        // The generator does not decide who wrote a file; a revert (the user's choice, no model) writes as the user.
        return trusted || file.WrittenBy is null ? file : file with { WrittenBy = null };
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
}
