using Iteration.Streaming.Contracts;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Records;

namespace Iteration.Streaming.Runs.Gates;

/// <summary>
/// What an input may do given where the generation is (<see cref="Check"/>: the gate it needs, locks, caps), and what it
/// changes (<see cref="Apply"/>: the accepted input with its message, the new steering, plan and status). Pure: the
/// <see cref="GateKeeper"/> stores the result, compared by revision.
/// </summary>
internal sealed class InputRules(TimeProvider timeProvider, IterationStreamingMessages messages)
{
    public (AcceptedInput Input, GenerationRecordUpdate Update) Apply(GenerationRecord record, RunSteering steering, GenerationInputRequest input, bool waiting)
    {
        var gate = steering.Gate;
        var phaseNow = gate?.Phase ?? (waiting ? 0 : Math.Min(record.PhasesSaved + 1, record.Plan?.Count ?? 1));
        var plan = input.Action == InputActions.RevisePlan ? InputValidator.Plan(input.Phases!, record.Plan) : record.Plan;
        var nextPhase = NextPhase(plan, record.PhasesSaved);
        var continues = input.Action is InputActions.Approve or InputActions.RevisePlan;
        var locks = input.Action == InputActions.Lock
            ? [.. steering.LockedPaths, .. input.Paths!.Where(p => !steering.LockedPaths.Contains(p)).Distinct(StringComparer.Ordinal)]
            : steering.LockedPaths;
        var message = input.Action switch
        {
            InputActions.Approve => messages.Approved(nextPhase, input.Instruction is not null),
            InputActions.RevisePlan => messages.PlanRevised(plan!.Count),
            InputActions.EditFiles => messages.FilesEdited(input.Files!.Count(static f => f.Delete != true), input.Files!.Count(static f => f.Delete == true)),
            InputActions.Lock => messages.PathsLocked(locks.Count - steering.LockedPaths.Count),
            InputActions.Instruct => messages.InstructionQueued(waiting ? nextPhase : NextPhase(plan, record.PhasesSaved + 1)),
            _ => messages.CancelledAtReview(),
        };
        var accepted = new AcceptedInput
        {
            Number = steering.Inputs.Count + 1,
            Action = input.Action!,
            Message = message,
            Status = waiting && !continues ? GenerationStatus.AwaitingInput : GenerationStatus.Processing,
            AcceptedAt = timeProvider.GetUtcNow(),
            Phase = phaseNow,
            Instruction = input.Instruction,
            Paths = input.Action switch
            {
                InputActions.Lock => input.Paths,
                InputActions.EditFiles => [.. input.Files!.Select(static f => f.Path!)],
                _ => null,
            },
        };
        var next = steering with
        {
            Revision = steering.Revision + 1,
            Inputs = [.. steering.Inputs, accepted],
            LockedPaths = locks,
            Gate = continues ? null : gate,
            PassedGates = continues && gate is not null ? [.. steering.PassedGates, gate.Key] : steering.PassedGates,
            Ending = input.Action == InputActions.Cancel ? RunEndings.Cancelled : steering.Ending,
        };
        var update = new GenerationRecordUpdate
        {
            Steering = next,
            Plan = input.Action == InputActions.RevisePlan ? plan : null,
            Status = continues ? GenerationStatus.Queued : input.Action == InputActions.Cancel ? GenerationStatus.Processing : null,
        };
        return (accepted, update);
    }

    public static void Check(GenerationRecord record, RunSteering steering, GenerationInputRequest input, bool waiting, IterationStreamingOptions settings)
    {
        var id = record.GenerationId;
        if (GenerationStatus.IsTerminal(record.Status) || steering.Ending is not null)
        {
            throw new GenerationConflictException($"Generation '{id}' has ended (status '{record.Status}'); it takes no more input.");
        }

        var gate = steering.Gate;
        switch (input.Action)
        {
            case InputActions.Approve when !waiting:
                throw NotAtGate(id, record.Status, "approve needs a review gate");
            case InputActions.RevisePlan when !waiting || gate!.Kind != InputRequestKinds.Plan:
                throw NotAtGate(id, waiting ? "at a phase review" : record.Status, "revise_plan needs the plan's review gate");
            case InputActions.EditFiles when !waiting || gate!.Kind != InputRequestKinds.Phase:
                throw NotAtGate(id, waiting ? "at the plan review" : record.Status, "edit_files needs a phase's review gate");
            case InputActions.EditFiles when input.Files!.FirstOrDefault(f => steering.LockedPaths.Contains(f.Path!)) is { } locked:
                throw new GenerationConflictException($"{FilePathValidator.Show(locked.Path)} is locked; it cannot be edited.");
            case InputActions.Lock when steering.LockedPaths.Union(input.Paths!, StringComparer.Ordinal).Count() > settings.MaxLockedPaths:
                throw RequestValidator.Invalid($"'paths' would lock more than {settings.MaxLockedPaths} paths (IterationStreaming:MaxLockedPaths).");
            case InputActions.Approve or InputActions.Instruct when input.Instruction is not null
                && steering.Inputs.Count(static i => i.Instruction is not null) >= settings.MaxInstructionsPerGeneration:
                throw new GenerationInputLimitException(
                    $"Generation '{id}' has taken {settings.MaxInstructionsPerGeneration} instructions, the limit (IterationStreaming:MaxInstructionsPerGeneration).");
        }
    }

    private static int? NextPhase(IReadOnlyList<Generation.PlannedPhase>? plan, int saved) =>
        plan is not null && saved < plan.Count ? plan[saved].Number : null;

    private static GenerationConflictException NotAtGate(string id, string state, string why) =>
        new($"Generation '{id}' is not waiting for this input (it is {state}); {why}.");
}
