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
using Iteration.Streaming.Runs.Live;
using System.Globalization;

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
    PhaseCheckpointer checkpoints,
    ILogger logger)
{
    /// <summary>The most characters of text one live event carries; a longer delta is split over several events.</summary>
    internal const int MaxDeltaCharacters = 4_096;

    /// <summary>The longest <c>partial_output.tail</c>.</summary>
    internal const int MaxTailLength = 4_000;

    public sealed record Result(FileManifest Manifest, int Written);

    public PhaseCheckpointer Checkpoints => checkpoints;

    public async Task<Result> RunAsync(
        GenerationRun run,
        IPhaseGenerator generator,
        IReadOnlyList<PlannedPhase> plan,
        int index,
        FileManifest files,
        int totalBefore,
        HashSet<string> deleted,
        RunPosition position,
        IterationStreamingOptions settings,
        PhaseResumption? resume = null)
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
        var live = new LivePhase(state);
        var continued = resume is { Continues: true } ? resume.Checkpoint : null;
        if (continued is not null)
        {
            // The files the interrupted run had finished are this phase's again; the text of the file it was writing
            // goes on from where the checkpoint has it.
            foreach (var file in continued.Files)
            {
                state.Add(CheckFile(file, state, settings, trusted: false), deleted);
            }

            live.CurrentFile = continued.CurrentFile;
            live.Text.Append(continued.CurrentText);
            live.ContinuedFrom = continued;
            Log.PhaseContinued(logger, id, number, continued.Files.Count, continued.CurrentText.Length);
        }
        else if (resume is not null)
        {
            Log.PhaseRestarted(logger, id, number, resume.Decision.Reason ?? "no reason given");
        }

        await SetLiveAsync(run, live).ConfigureAwait(false);
        run.Estimate?.PhaseStarted(index, phaseStarted);
        var startedMessage = continued is null ? messages.PhaseStarted(phase) : messages.PhaseContinued(phase, MidPhase(continued));
        await events.EmitAsync(run, GenerationStages.PhaseStarted(number), model.PhaseStarted(index), startedMessage, phaseInfo: state.Info()).ConfigureAwait(false);

        var progress = new RunPhaseProgress(this, run, state, index, settings);
        var context = CreateContext(run, plan, index, files, steering, locked, progress, continued);

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

            await AddFinishedAsync(run, live, checkedFile, deleted).ConfigureAwait(false);
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
        await SetLiveAsync(run, null).ConfigureAwait(false);

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

        // The event is the commit point of the phase (a resumed run reads it from the log); the record follows, and the
        // phase's checkpoint goes (one left by a crash here is of a saved phase: a resume ignores it).
        if (settings.Checkpoints.Enabled)
        {
            await checkpoints.DeleteAsync(id).ConfigureAwait(false);
        }

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

    /// <summary>
    /// Asks a resumable generator whether the phase at <paramref name="index"/> continues from
    /// <paramref name="checkpoint"/>; any failure of the generator to decide is a restart.
    /// </summary>
    public async Task<PhaseResumeDecision> PrepareResumeAsync(
        GenerationRun run,
        IPhaseGenerator generator,
        IReadOnlyList<PlannedPhase> plan,
        int index,
        FileManifest files,
        PhaseCheckpoint checkpoint)
    {
        if (generator is not IResumablePhaseGenerator resumable)
        {
            return PhaseResumeDecision.Restart(IterationStreamingMessages.GeneratorDoesNotContinue);
        }

        var steering = (await records.GetAsync(run.GenerationId, CancellationToken.None).ConfigureAwait(false))?.Steering ?? run.Record.Steering;
        var locked = steering?.LockedPaths is { Count: > 0 } paths ? paths.ToFrozenSet(StringComparer.Ordinal) : FrozenSet<string>.Empty;
        if (checkpoint.Files.FirstOrDefault(f => locked.Contains(f.Path)) is not null)
        {
            return PhaseResumeDecision.Restart("a file it had written was locked since");
        }

        var context = CreateContext(run, plan, index, files, steering, locked, NoPhaseProgress.Instance, checkpoint);
        try
        {
            return await resumable.PrepareResumeAsync(context, run.Token).ConfigureAwait(false)
                ?? PhaseResumeDecision.Restart("the generator gave no decision");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !run.Token.IsCancellationRequested)
        {
            Log.PrepareResumeFailed(logger, run.GenerationId, plan[index].Number, ex);
            return PhaseResumeDecision.Restart("the generator could not prepare the continuation (" + ex.GetType().Name + ")");
        }
    }

    /// <summary>Where a continued phase picks up, as the <c>resumed</c> event says it.</summary>
    internal static ResumedMidPhase MidPhase(PhaseCheckpoint checkpoint) => new()
    {
        Phase = checkpoint.Phase,
        File = checkpoint.CurrentFile,
        Chars = checkpoint.CurrentFile is null ? 0 : checkpoint.CurrentText.Length,
        FilesKept = checkpoint.Files.Count,
    };

    private static PhaseContext CreateContext(
        GenerationRun run,
        IReadOnlyList<PlannedPhase> plan,
        int index,
        FileManifest files,
        RunSteering? steering,
        FrozenSet<string> locked,
        IPhaseProgress progress,
        PhaseCheckpoint? checkpoint) => new()
        {
            GenerationId = run.GenerationId,
            Prompt = run.Definition.Prompt,
            ModificationPrompt = run.Definition.ModificationPrompt,
            ParentGenerationId = run.Definition.ParentGenerationId,
            Entities = run.Definition.Entities,
            Phase = plan[index],
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
            Checkpoint = checkpoint,
        };

    /// <summary>Sets (or clears) the run's live phase under its append lock, where readers of <c>/live</c> look.</summary>
    private static async Task SetLiveAsync(GenerationRun run, LivePhase? live)
    {
        await run.AppendLock.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            run.Live = live;
        }
        finally
        {
            run.AppendLock.Release();
        }
    }

    /// <summary>
    /// A live report (<see cref="IPhaseProgress.ReportLiveAsync"/>): the delta becomes one or more
    /// <c>phase_{n}_progress</c> events (each at most <see cref="MaxDeltaCharacters"/>), the run's live text grows with
    /// each under the append lock, then the phase is checkpointed with the generator's resume state.
    /// </summary>
    internal async ValueTask ReportLiveAsync(GenerationRun run, PhaseState state, int index, PhaseLiveUpdate update, IterationStreamingOptions settings)
    {
        var live = run.Live;
        if (live is null || live.State != state)
        {
            throw new GenerationFailedException($"Phase {state.Phase.Number} reported live text after it ended.");
        }

        if (update.ResumeState is { Length: var stateLength } && stateLength > settings.Checkpoints.MaxResumeStateBytes)
        {
            throw new GenerationFailedException(
                $"The generator attached a resume state of {stateLength} bytes, more than Checkpoints:MaxResumeStateBytes ({settings.Checkpoints.MaxResumeStateBytes}).");
        }

        if (update.TailLength is < 0 or > MaxTailLength)
        {
            throw new GenerationFailedException($"The generator asked for a tail of {update.TailLength} characters; it must be between 0 and {MaxTailLength}.");
        }

        if (update.File is { } file)
        {
            FilePathValidator.ThrowIfInvalid(file, settings.MaxPathLength);
            var text = update.Text ?? throw new GenerationFailedException("The generator reported live text that is null.");
            var known = string.Equals(file, live.CurrentFile, StringComparison.Ordinal) ? live.Text.Length : 0;
            if (update.Offset != known)
            {
                throw new GenerationFailedException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"The generator reported the text of {FilePathValidator.Show(file)} from offset {update.Offset}, but {known} characters of it were reported before."));
            }

            if (known + (long)text.Length > settings.MaxFileSize)
            {
                throw new InvalidGeneratedFileException(file, $"The file {FilePathValidator.Show(file)} being written is longer than MaxFileSize ({settings.MaxFileSize}).");
            }

            var position = 0;
            do
            {
                var length = Math.Min(MaxDeltaCharacters, text.Length - position);
                if (length < text.Length - position && length > 0 && char.IsHighSurrogate(text[position + length - 1]))
                {
                    // Never split a surrogate pair between two events.
                    length--;
                }

                var chunk = text.Substring(position, length);
                position += length;
                await events.AppendLiveAsync(run, BuildLiveEvent(run, state, index, live, file, chunk, update.TailLength), () =>
                {
                    if (!string.Equals(live.CurrentFile, file, StringComparison.Ordinal))
                    {
                        live.CurrentFile = file;
                        live.Text.Clear();
                    }

                    live.Text.Append(chunk);
                }).ConfigureAwait(false);
            }
            while (position < text.Length);
        }
        else if (live.CurrentFile is not null)
        {
            await SetBetweenFilesAsync(run, live).ConfigureAwait(false);
        }

        await checkpoints.WriteAsync(run, live, update.ResumeState, settings).ConfigureAwait(false);
    }

    /// <summary>
    /// Adds a yielded file to the phase's batch under the run's append lock (a <c>/live</c> reader enumerates it there);
    /// the file being written, once yielded, is finished: its live text ends.
    /// </summary>
    private static async Task AddFinishedAsync(GenerationRun run, LivePhase live, GeneratedFile file, HashSet<string> deleted)
    {
        await run.AppendLock.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            live.State.Add(file, deleted);
            if (string.Equals(live.CurrentFile, file.Path, StringComparison.Ordinal))
            {
                live.CurrentFile = null;
                live.Text.Clear();
            }
        }
        finally
        {
            run.AppendLock.Release();
        }
    }

    private static async Task SetBetweenFilesAsync(GenerationRun run, LivePhase live)
    {
        await run.AppendLock.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            live.CurrentFile = null;
            live.Text.Clear();
        }
        finally
        {
            run.AppendLock.Release();
        }
    }

    private StreamingProgressEvent BuildLiveEvent(GenerationRun run, PhaseState state, int index, LivePhase live, string file, string chunk, int tailLength)
    {
        var offset = string.Equals(live.CurrentFile, file, StringComparison.Ordinal) ? live.Text.Length : 0;
        var output = new Dictionary<string, JsonElement>(5, StringComparer.Ordinal)
        {
            [LiveOutputKeys.File] = JsonSerializer.SerializeToElement(file, EngineJsonContext.Default.String),
            [LiveOutputKeys.Offset] = JsonSerializer.SerializeToElement(offset, EngineJsonContext.Default.Int32),
            [LiveOutputKeys.Text] = JsonSerializer.SerializeToElement(chunk, EngineJsonContext.Default.String),
            [LiveOutputKeys.Chars] = JsonSerializer.SerializeToElement(offset + chunk.Length, EngineJsonContext.Default.Int32),
        };
        if (LiveTail.Of(offset == 0 ? null : live.Text, chunk, tailLength) is { Length: > 0 } tail)
        {
            output[LiveOutputKeys.Tail] = JsonSerializer.SerializeToElement(tail, EngineJsonContext.Default.String);
        }

        return run.CreateEvent(GenerationStatus.Processing, GenerationStages.PhaseProgress(state.Phase.Number), run.Model!.PhaseFile(index, state.Batch.Count, state.Phase.EstimatedFileCount), messages.FileWriting(file), events.Clock.GetUtcNow(), events.EstimateRemaining(run)) with
        {
            PhaseInfo = state.Info(),
            CurrentFile = file,
            PartialOutput = output,
        };
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
