using Iteration.Streaming.Events;

namespace Iteration.Streaming.Client.Tests.Infrastructure;

/// <summary>Builds the events of a run at a review gate, as the contract spells them (GATES.md).</summary>
public static class GateEvents
{
    public static readonly IReadOnlyList<PhaseSummary> ThreePhases =
    [
        new() { Phase = 1, Name = "Project Setup" },
        new() { Phase = 2, Name = "User Entity" },
        new() { Phase = 3, Name = "Task Entity" },
    ];

    /// <summary>The run waits for its plan to be approved or revised.</summary>
    public static StreamingProgressEvent PlanGate(string generationId, IReadOnlyList<PhaseSummary>? phases = null)
    {
        phases ??= ThreePhases;
        return new()
        {
            GenerationId = generationId,
            Status = GenerationStatus.AwaitingInput,
            Stage = GenerationStages.AwaitingInput,
            Progress = 0.1,
            Message = $"Review the plan: {phases.Count} phases",
            InputRequest = new InputRequest { Kind = InputRequestKinds.Plan, Phases = phases, ExpiresAt = TestEvents.Epoch.AddHours(24) },
            PhaseInfo = new PhaseInfo { TotalPhases = phases.Count, CurrentPhase = 0, Phases = phases },
            Timestamp = TestEvents.Epoch,
        };
    }

    /// <summary>The run saved <paramref name="phase"/> and waits before the next one.</summary>
    public static StreamingProgressEvent PhaseGate(string generationId, int phase, int files = 2) => new()
    {
        GenerationId = generationId,
        Status = GenerationStatus.AwaitingInput,
        Stage = GenerationStages.AwaitingInput,
        Progress = 0.4,
        Message = $"Phase {phase} saved ({files} files): review before phase {phase + 1}",
        InputRequest = new InputRequest { Kind = InputRequestKinds.Phase, Phase = phase, Phases = ThreePhases, ExpiresAt = TestEvents.Epoch.AddHours(24) },
        Timestamp = TestEvents.Epoch.AddSeconds(phase),
    };

    /// <summary>The run took an input; <paramref name="status"/> says whether it goes on or still waits.</summary>
    public static StreamingProgressEvent InputReceived(string generationId, string status, string message, InputRequest? stillWaitingFor = null) => new()
    {
        GenerationId = generationId,
        Status = status,
        Stage = GenerationStages.InputReceived,
        Progress = 0.4,
        Message = message,
        InputRequest = stillWaitingFor,
        Timestamp = TestEvents.Epoch.AddSeconds(30),
    };
}
