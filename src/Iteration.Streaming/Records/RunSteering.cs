using Iteration.Streaming.Contracts;

namespace Iteration.Streaming.Records;

/// <summary>
/// What the user asked of a generation and answered while it ran (<see cref="GenerationRecord.Steering"/>): the review
/// gates chosen at its start, the gate it waits at, the gates it passed, every input it accepted, the paths the user
/// locked, and an end decided at a gate that the log does not show yet. A store keeps it whole (one value) and changes
/// it only through <see cref="IGenerationRecordStore.UpdateAsync"/> or, compared by <see cref="Revision"/>,
/// <see cref="IGenerationRecordStore.TryUpdateSteeringAsync"/>.
/// </summary>
public sealed record RunSteering
{
    /// <summary>Bumped by every change; two inputs racing on two instances compare it so only one applies.</summary>
    public long Revision { get; init; }

    /// <summary>The gates chosen at the start (the request's <c>review</c>, or the host's default).</summary>
    public ReviewRequest? Review { get; init; }

    /// <summary>The gate the generation waits at now; <see langword="null"/> while it runs or once it ended.</summary>
    public GateState? Gate { get; init; }

    /// <summary>The gates answered so far (<see cref="GateState.Key"/>): a resumed run does not stop at them again.</summary>
    public IReadOnlyList<string> PassedGates { get; init; } = [];

    /// <summary>Every input accepted, in order; the <c>n</c>-th has <see cref="AcceptedInput.Number"/> <c>n</c>.</summary>
    public IReadOnlyList<AcceptedInput> Inputs { get; init; } = [];

    /// <summary>The paths later phases may not write or delete, in the order they were locked.</summary>
    public IReadOnlyList<string> LockedPaths { get; init; } = [];

    /// <summary>
    /// A generation ended at a gate (<c>cancelled</c> by its user, or <c>timed_out</c> with nobody answering) whose end is
    /// not in the log yet: whoever continues it appends that end instead of running it.
    /// </summary>
    public string? Ending { get; init; }
}

/// <summary>A review gate a generation waits at (<see cref="RunSteering.Gate"/>).</summary>
public sealed record GateState
{
    /// <summary>One of <see cref="Events.InputRequestKinds"/>.</summary>
    public required string Kind { get; init; }

    /// <summary>For a phase gate, the phase that was saved.</summary>
    public int? Phase { get; init; }

    /// <summary>When the generation ends <c>cancelled</c> if nobody answers.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>The gate's name in <see cref="RunSteering.PassedGates"/>: <c>plan</c> or <c>phase:{n}</c>.</summary>
    public string Key => KeyOf(Kind, Phase);

    /// <summary>The name of a gate in <see cref="RunSteering.PassedGates"/>.</summary>
    /// <param name="kind">One of <see cref="Events.InputRequestKinds"/>.</param>
    /// <param name="phase">For a phase gate, its phase.</param>
    /// <returns><c>plan</c> or <c>phase:{n}</c>.</returns>
    public static string KeyOf(string kind, int? phase) =>
        phase is { } number ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{kind}:{number}") : kind;
}

/// <summary>One input a generation accepted (<see cref="RunSteering.Inputs"/>); its <c>input_received</c> event is made from it.</summary>
public sealed record AcceptedInput
{
    /// <summary>1 for the first input of the generation, then 2, 3, …</summary>
    public required int Number { get; init; }

    /// <summary>One of <see cref="InputActions"/>.</summary>
    public required string Action { get; init; }

    /// <summary>The <c>input_received</c> message ("Plan revised: 4 phases").</summary>
    public required string Message { get; init; }

    /// <summary>The status the <c>input_received</c> event carries: <c>processing</c>, or <c>awaiting_input</c> when the run still waits.</summary>
    public required string Status { get; init; }

    /// <summary>When it was accepted.</summary>
    public required DateTimeOffset AcceptedAt { get; init; }

    /// <summary>The phase that ran (or whose gate was open) when it arrived; 0 at the plan gate.</summary>
    public int Phase { get; init; }

    /// <summary>For <c>instruct</c> and an <c>approve</c> with one: the instruction, applied from the next phase on.</summary>
    public string? Instruction { get; init; }

    /// <summary>For <c>edit_files</c> and <c>lock</c>: the paths it named.</summary>
    public IReadOnlyList<string>? Paths { get; init; }
}
