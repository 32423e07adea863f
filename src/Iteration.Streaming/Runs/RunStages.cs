using Iteration.Streaming.Engine;
using Iteration.Streaming.Diagnostics;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Records;
using Iteration.Streaming.Runs.Gates;
using Iteration.Streaming.Runs.Live;
using Iteration.Streaming.Runs.Recovery;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.Runs;

/// <summary>
/// The stage list of a run, in order: begin (or continue the log), plan (or take the plan on record), the plan's review
/// gate, each phase not saved yet with the review gate after it, then the finish (<see cref="RunFinish"/>). A fresh
/// run, a resumed run, a retry and a run continued after its user's input take this one path; they differ only in the
/// events before the first phase they generate.
/// </summary>
internal sealed class RunStages(
    IGenerationEventLog eventLog,
    IFileSink fileSink,
    IGenerationRecordStore records,
    RunEvents events,
    PhaseRunner phases,
    RunGates gates,
    RunFinish finish,
    RunDurationHistory history,
    IterationStreamingMessages messages,
    ILogger logger)
{
    public async Task<RunOutcome> RunAsync(GenerationRun run, IServiceProvider services, RunPosition position, IterationStreamingOptions settings)
    {
        var token = run.Token;
        var id = run.GenerationId;
        var definition = run.Definition;
        // A revert restores files from a saved state: no model is called.
        var generator = definition.Revert is { } revert
            ? new RevertGenerator(fileSink, definition.ParentGenerationId!, revert)
            : services.GetService<IPhaseGenerator>() ?? throw new InvalidOperationException(IterationStreamingMessages.NoGenerator);
        var planner = services.GetRequiredService<IPhasePlanner>();

        await records.UpdateAsync(id, new GenerationRecordUpdate { Status = GenerationStatus.Processing, Attempts = run.Record.Attempts + 1, ClearInterrupted = true, ClearRetryAt = true }, CancellationToken.None)
            .ConfigureAwait(false);
        if (run.Start.ContinuesLog())
        {
            await events.SeedProgressAsync(run).ConfigureAwait(false);
            await gates.EmitMissingInputsAsync(run).ConfigureAwait(false);
        }
        else
        {
            await events.EmitAsync(run, GenerationStages.Initializing, ProgressModel.Initializing, messages.Starting(run.Record)).ConfigureAwait(false);
        }

        token.ThrowIfCancellationRequested();
        var files = await OpenFilesAsync(run, position, token).ConfigureAwait(false);
        if (definition.ParentGenerationId is not null || definition.RetryOf is not null || definition.ForkedFrom is not null)
        {
            run.BaseFiles = await StartingFilesAsync(id, token).ConfigureAwait(false);
        }

        var parentFiles = definition.ParentGenerationId is { } parentId ? await fileSink.GetManifestAsync(parentId, token).ConfigureAwait(false) : null;

        // The plan on record wins: a resumed run, a retry and a run whose user revised its plan follow it.
        var current = await records.GetAsync(id, CancellationToken.None).ConfigureAwait(false) ?? run.Record;
        var plan = current.Plan ?? run.Record.Plan;
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
            PlanValidator.ThrowIfInvalid(plan, settings.MaxPhases);
            plan = [.. plan];
            await records.UpdateAsync(id, new GenerationRecordUpdate { Plan = plan }, CancellationToken.None).ConfigureAwait(false);
            Log.RunPlanned(logger, id, plan.Count);
        }

        run.Model = new ProgressModel(plan);
        var saved = Math.Clamp(Math.Max(current.PhasesSaved, run.Record.PhasesSaved), 0, plan.Count);
        if (saved > current.PhasesSaved)
        {
            // The log holds a phase's completion the record missed (a crash between the two): the record catches up
            // now, so a later continuation (after a gate) does not run that phase again.
            await records.UpdateAsync(id, new GenerationRecordUpdate { PhasesSaved = saved }, CancellationToken.None).ConfigureAwait(false);
        }
        await EstimateAsync(run, plan, saved, token).ConfigureAwait(false);
        var keptFiles = files.Files.Count(f => f.Phase >= 1 && f.Phase <= (saved == 0 ? 0 : plan[saved - 1].Number));

        // Files of the parent missing now were deleted by saved phases (the deletes of those phases are not on record).
        var deleted = new HashSet<string>(
            parentFiles is null || run.Start == RunStart.Fresh ? [] : parentFiles.Files.Select(static f => f.Path).Except(files.Files.Select(static f => f.Path)),
            StringComparer.Ordinal);

        if (!run.Start.ContinuesLog())
        {
            await PhasedStartAsync(run, plan, position).ConfigureAwait(false);
        }

        // An interrupted phase may continue inside the model's answer: decided before the resumed event, which says so.
        var resumption = await FindResumptionAsync(run, generator, plan, saved, files, settings).ConfigureAwait(false);
        if (run.Start.SaysResumed())
        {
            await ResumedAsync(run, plan, saved, keptFiles, position, resumption).ConfigureAwait(false);
            if (run.Start.ContinuesLog() && planned)
            {
                await PhasedStartAsync(run, plan, position).ConfigureAwait(false);
            }
        }

        if (saved == 0 && await gates.StopAtAsync(run, plan, InputRequestKinds.Plan, phase: null, files: 0, position).ConfigureAwait(false))
        {
            return RunOutcome.Waiting;
        }

        // Stopped between a phase's save and its gate (a crash, a hand-over): the gate after the last saved phase is
        // still owed, unless its user passed it already.
        if (saved > 0 && plan[saved - 1].Number is var last
            && await gates.StopAtAsync(run, plan, InputRequestKinds.Phase, last, files.Files.Count(f => f.Phase == last), position).ConfigureAwait(false))
        {
            return RunOutcome.Waiting;
        }

        var totalGenerated = keptFiles;
        for (var index = saved; index < plan.Count; index++)
        {
            position.Phase = plan[index];
            var result = await phases.RunAsync(run, generator, plan, index, files, totalGenerated, deleted, position, settings, index == saved ? resumption : null).ConfigureAwait(false);
            files = result.Manifest;
            totalGenerated += result.Written;
            if (await gates.StopAtAsync(run, plan, InputRequestKinds.Phase, plan[index].Number, result.Written, position).ConfigureAwait(false))
            {
                return RunOutcome.Waiting;
            }
        }

        position.Phase = null;
        return await finish.RunAsync(run, services, plan, files, parentFiles, deleted, position).ConfigureAwait(false);
    }

    /// <summary>The run's file storage: created on its first run (from the parent, or from the retried generation).</summary>
    private async Task<FileManifest> OpenFilesAsync(GenerationRun run, RunPosition position, CancellationToken token)
    {
        var id = run.GenerationId;
        if (await fileSink.GetManifestAsync(id, token).ConfigureAwait(false) is { } files)
        {
            return files;
        }

        if (run.Start == RunStart.Fresh)
        {
            position.Stage = GenerationStages.CodeGeneration;
            await events.EmitAsync(run, GenerationStages.CodeGeneration, ProgressModel.CodeGeneration, messages.CodeGeneration(run.Record)).ConfigureAwait(false);
        }

        if (run.Definition.ForkedFrom is { } forked && run.Record.FromPhase is { } fromPhase)
        {
            await fileSink.CreateForkAsync(id, forked, fromPhase, token).ConfigureAwait(false);
        }
        else if (run.Definition.RetryOf is { } source && run.Record.PhasesSaved > 0)
        {
            await fileSink.CreateFromAsync(id, source, token).ConfigureAwait(false);
        }
        else
        {
            await fileSink.CreateAsync(id, run.Definition.ParentGenerationId, token).ConfigureAwait(false);
        }

        return await fileSink.GetManifestAsync(id, token).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"The file sink created no storage for generation '{id}'.");
    }

    /// <summary>The files the run started from (its history's start state), or <see langword="null"/> when the sink keeps no history.</summary>
    private async Task<IReadOnlyList<Contracts.GenerationFile>?> StartingFilesAsync(string id, CancellationToken token)
    {
        try
        {
            var history = await fileSink.GetHistoryAsync(id, token).ConfigureAwait(false);
            return history?.StateAt(history.StartPhase);
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }

    private async Task EstimateAsync(GenerationRun run, IReadOnlyList<PlannedPhase> plan, int saved, CancellationToken token)
    {
        // The phases kept by a retry ran in the old generation: its log says how long they took.
        var earlier = run.EarlierPhases;
        if (earlier is null && run.Start is RunStart.Retry or RunStart.Fork && saved > 0 && (run.Definition.RetryOf ?? run.Definition.ForkedFrom) is { } source)
        {
            earlier = (await RunLogScan.ReadAsync(eventLog, source, token).ConfigureAwait(false)).PhaseDurations;
        }

        run.Estimate = new RunEstimate(plan, saved, earlier, history.SecondsPerWeight);
    }

    private async Task PhasedStartAsync(GenerationRun run, IReadOnlyList<PlannedPhase> plan, RunPosition position)
    {
        var entities = run.Definition.Entities.Count;
        position.Stage = GenerationStages.PhasedGenerationStarted;
        await events.EmitAsync(
            run,
            GenerationStages.PhasedGenerationStarted,
            ProgressModel.PhasesStart,
            messages.PhasedStart(entities),
            phaseInfo: new PhaseInfo { TotalPhases = plan.Count, CurrentPhase = 0, EntitiesCount = entities, Phases = RunGates.Summaries(plan) }).ConfigureAwait(false);
    }

    /// <summary>
    /// The checkpoint of the first phase a resumed run generates (its own, or for a retry the failed generation's), and
    /// whether the phase continues from it; <see langword="null"/> when there is none (or the run did not resume).
    /// </summary>
    private async Task<PhaseResumption?> FindResumptionAsync(GenerationRun run, IPhaseGenerator generator, IReadOnlyList<PlannedPhase> plan, int saved, FileManifest files, IterationStreamingOptions settings)
    {
        if (!settings.Checkpoints.Enabled || saved >= plan.Count
            || run.Start is not (RunStart.Resume or RunStart.Takeover or RunStart.AutoRetry or RunStart.Retry))
        {
            return null;
        }

        var source = run.Start == RunStart.Retry ? run.Definition.RetryOf : run.GenerationId;
        if (source is null)
        {
            return null;
        }

        var (checkpoint, problem) = await phases.Checkpoints.ReadAsync(run.GenerationId, source, plan[saved], settings, run.Token).ConfigureAwait(false);
        if (checkpoint is null)
        {
            return null;
        }

        var decision = problem is not null
            ? PhaseResumeDecision.Restart(problem)
            : await phases.PrepareResumeAsync(run, generator, plan, saved, files, checkpoint).ConfigureAwait(false);
        if (!decision.Continues && source == run.GenerationId)
        {
            // Generated again: a crash before its first checkpoint must not continue from this one.
            await phases.Checkpoints.DeleteAsync(run.GenerationId).ConfigureAwait(false);
        }

        return new PhaseResumption(checkpoint, decision);
    }

    private async Task ResumedAsync(GenerationRun run, IReadOnlyList<PlannedPhase> plan, int saved, int keptFiles, RunPosition position, PhaseResumption? resumption)
    {
        position.Stage = GenerationStages.Resumed;
        var next = saved < plan.Count ? plan[saved] : null;
        var message = messages.Resumed(run.Record, ResumeReasonOf(run.Start), saved, keptFiles, plan.Count);
        ResumedMidPhase? midPhase = null;
        if (resumption is { Continues: true })
        {
            midPhase = PhaseRunner.MidPhase(resumption.Checkpoint);
            message += ". " + messages.PhaseContinues(midPhase);
        }
        else if (resumption?.Decision.Reason is { } reason && next is not null)
        {
            message += ". " + messages.PhaseStartsAgain(next.Number, reason);
        }

        await events.AppendAsync(run, run.CreateEvent(
            GenerationStatus.Processing,
            GenerationStages.Resumed,
            saved == 0 ? ProgressModel.PhasesStart : run.Model!.PhaseCompleted(saved - 1),
            message,
            events.Clock.GetUtcNow(),
            events.EstimateRemaining(run)) with
        {
            ResumedMidPhase = midPhase,
            PhaseInfo = new PhaseInfo
            {
                TotalPhases = plan.Count,
                CurrentPhase = next?.Number ?? plan.Count,
                EntitiesCount = run.Definition.Entities.Count,
                Phase = next?.Number,
                Name = next?.Name,
                TotalFiles = keptFiles,
                Phases = RunGates.Summaries(plan),
            },
        }).ConfigureAwait(false);
    }

    private static ResumeReason ResumeReasonOf(RunStart start) => start switch
    {
        RunStart.Retry => ResumeReason.Retry,
        RunStart.Fork => ResumeReason.Fork,
        RunStart.Takeover => ResumeReason.Takeover,
        _ => ResumeReason.Restart,
    };
}
