using Iteration.Streaming.Engine;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Diagnostics;
using Iteration.Streaming.Events;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Records;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Runs.Gates;

/// <summary>
/// The review gates inside a run: whether the run stops after the plan or a phase (the gates chosen at its start, not
/// passed yet), the gate event and the record that says the run waits, and the <c>input_received</c> events of inputs
/// the run took (each exactly once, however many instances and restarts were involved).
/// </summary>
internal sealed class RunGates(
    IGenerationRecordStore records,
    RunEvents events,
    IOptionsMonitor<IterationStreamingOptions> options,
    TimeProvider timeProvider,
    IterationStreamingMessages messages,
    ILogger logger)
{
    public static PhaseSummary[] Summaries(IReadOnlyList<PlannedPhase> plan) =>
        [.. plan.Select(static p => new PhaseSummary { Phase = p.Number, Name = p.Name })];

    /// <summary>Whether <paramref name="review"/> stops a run at the gate of <paramref name="kind"/> (and <paramref name="phase"/>).</summary>
    public static bool Wants(ReviewRequest? review, string kind, int? phase) => review is not null && (kind == InputRequestKinds.Plan
        ? review.Plan == true
        : phase is { } number && review.AfterPhases?.Contains(number) == true);

    /// <summary>
    /// Stops the run at this gate when its review asks for it and it was not passed: appends the gate event, then
    /// records the wait (compared by revision, so an instruction stored meanwhile is kept).
    /// </summary>
    /// <returns>Whether the run waits now (its stages end here).</returns>
    public async Task<bool> StopAtAsync(GenerationRun run, IReadOnlyList<PlannedPhase> plan, string kind, int? phase, int files, RunPosition position)
    {
        var steering = run.Record.Steering;
        var key = GateState.KeyOf(kind, phase);
        if (!Wants(steering?.Review, kind, phase) || steering!.PassedGates.Contains(key))
        {
            return false;
        }

        run.Token.ThrowIfCancellationRequested();
        var expiresAt = timeProvider.GetUtcNow() + options.CurrentValue.InputTimeout;
        var request = new InputRequest { Kind = kind, Phase = phase, Phases = Summaries(plan), ExpiresAt = expiresAt };
        var index = phase is { } number ? plan.ToList().FindIndex(p => p.Number == number) : -1;
        var message = phase is null
            ? messages.PlanReview(plan.Count)
            : messages.PhaseReview(plan[index], files, index + 1 < plan.Count ? plan[index + 1] : null);
        position.Stage = GenerationStages.AwaitingInput;
        await events.AppendAsync(run, run.CreateEvent(GenerationStatus.AwaitingInput, GenerationStages.AwaitingInput, run.Progress, message, timeProvider.GetUtcNow()) with
        {
            InputRequest = request,
            PhaseInfo = new PhaseInfo { TotalPhases = plan.Count, CurrentPhase = phase ?? 0, EntitiesCount = run.Definition.Entities.Count, Phase = phase, Phases = request.Phases },
        }).ConfigureAwait(false);

        await RecordWaitAsync(run.GenerationId, new GateState { Kind = kind, Phase = phase, ExpiresAt = expiresAt }).ConfigureAwait(false);
        Log.RunWaiting(logger, run.GenerationId, key);
        return true;
    }

    /// <summary>Records that the generation waits at <paramref name="gate"/> (its event is in the log already).</summary>
    public async Task RecordWaitAsync(string generationId, GateState gate)
    {
        while (true)
        {
            var record = await records.GetAsync(generationId, CancellationToken.None).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"The record of generation '{generationId}' is gone.");
            var steering = record.Steering ?? new RunSteering();
            if (steering.PassedGates.Contains(gate.Key) || (steering.Gate?.Key == gate.Key && record.Status == GenerationStatus.AwaitingInput)
                || GenerationStatus.IsTerminal(record.Status) || steering.Ending is not null)
            {
                // Answered already, recorded already (by whoever saw the gate in the log first), or ended.
                return;
            }

            var update = new GenerationRecordUpdate
            {
                Status = GenerationStatus.AwaitingInput,
                Steering = steering with { Revision = steering.Revision + 1, Gate = gate },
            };
            if (await records.TryUpdateSteeringAsync(generationId, steering.Revision, update, CancellationToken.None).ConfigureAwait(false) is not null)
            {
                return;
            }
        }
    }

    /// <summary>Appends the <c>input_received</c> of every input of the record that the log does not show yet, in order.</summary>
    /// <returns>The id of the last event appended, or <see langword="null"/> when none was missing.</returns>
    public async Task<long?> EmitMissingInputsAsync(GenerationRun run)
    {
        var record = await records.GetAsync(run.GenerationId, CancellationToken.None).ConfigureAwait(false);
        if (record?.Steering is not { } steering)
        {
            return null;
        }

        long? last = null;
        foreach (var input in steering.Inputs.Skip(run.InputsEmitted))
        {
            last = await EmitInputAsync(run, input, steering, record.Plan).ConfigureAwait(false) ?? last;
        }

        return last;
    }

    /// <summary>Appends the <c>input_received</c> of <paramref name="input"/> unless it is in the log already.</summary>
    /// <returns>Its event id, or <see langword="null"/> when it was appended before (or an earlier input is missing).</returns>
    public async Task<long?> EmitInputAsync(GenerationRun run, AcceptedInput input, RunSteering steering, IReadOnlyList<PlannedPhase>? plan)
    {
        return await events.AppendIfAsync(run, r =>
        {
            if (input.Number != r.InputsEmitted + 1)
            {
                return null;
            }

            r.InputsEmitted = input.Number;
            return InputReceived(r, input, steering, plan);
        }).ConfigureAwait(false);
    }

    private StreamingProgressEvent InputReceived(GenerationRun run, AcceptedInput input, RunSteering steering, IReadOnlyList<PlannedPhase>? plan)
    {
        var waiting = input.Status == GenerationStatus.AwaitingInput && steering.Gate is { } gate && plan is not null;
        var summaries = plan is null ? null : Summaries(plan);
        return run.CreateEvent(input.Status, GenerationStages.InputReceived, run.Progress, input.Message, timeProvider.GetUtcNow()) with
        {
            InputRequest = waiting
                ? new InputRequest { Kind = steering.Gate!.Kind, Phase = steering.Gate.Phase, Phases = summaries!, ExpiresAt = steering.Gate.ExpiresAt }
                : null,
            PhaseInfo = input.Action == InputActions.RevisePlan && summaries is not null
                ? new PhaseInfo { TotalPhases = summaries.Length, CurrentPhase = 0, EntitiesCount = run.Definition.Entities.Count, Phases = summaries }
                : null,
        };
    }
}
