using Iteration.Streaming.Files;
using Iteration.Streaming.Modes;

namespace Iteration.Streaming.Generation;

/// <summary>
/// What an <see cref="IPhaseGenerator"/> knows when asked for one phase's files.
/// </summary>
public sealed class PhaseContext
{
    /// <summary>The generation's id.</summary>
    public required string GenerationId { get; init; }

    /// <summary>The prompt (for an iteration, its parent's prompt when known, otherwise empty).</summary>
    public required string Prompt { get; init; }

    /// <summary>For an iteration, what to change.</summary>
    public string? ModificationPrompt { get; init; }

    /// <summary>For an iteration, the generation it derives from.</summary>
    public string? ParentGenerationId { get; init; }

    /// <summary>The entities of the app.</summary>
    public required IReadOnlyList<string> Entities { get; init; }

    /// <summary>The phase to generate.</summary>
    public required PlannedPhase Phase { get; init; }

    /// <summary>The whole plan, in order.</summary>
    public required IReadOnlyList<PlannedPhase> Plan { get; init; }

    /// <summary>
    /// The files saved before this phase (carried over from the parent and written by earlier phases). Read their
    /// content through <see cref="IFileSink.OpenReadAsync"/> with <see cref="GenerationId"/>.
    /// </summary>
    public required FileManifest Files { get; init; }

    /// <summary>The run's pipeline and experiment group.</summary>
    public required GenerationModeAssignment Mode { get; init; }

    /// <summary>Reports live progress and token usage within the phase; does nothing when the context was made by hand.</summary>
    public IPhaseProgress Progress { get; init; } = NoPhaseProgress.Instance;

    /// <summary>Which run of the generation this is: 1 for the first; more after a restart or a hand-over.</summary>
    public int Attempt { get; init; } = 1;

    /// <summary>For a retry, the failed or cancelled generation it continues (its saved phases are already in <see cref="Files"/>).</summary>
    public string? RetryOf { get; init; }

    /// <summary>
    /// For a fork, the generation whose phases 1 to <see cref="FromPhase"/> it kept (they are already in
    /// <see cref="Files"/>); the later phases are generated in full, with <see cref="ModificationPrompt"/> when given.
    /// </summary>
    public string? ForkedFrom { get; init; }

    /// <summary>For a fork, the last phase of <see cref="ForkedFrom"/> it kept.</summary>
    public int? FromPhase { get; init; }

    /// <summary>
    /// What the user told the model at review gates or while earlier phases ran, oldest first: follow them from this
    /// phase on (a later one wins where they disagree).
    /// </summary>
    public IReadOnlyList<UserInstruction> Instructions { get; init; } = [];

    /// <summary>
    /// Paths the user locked: this phase may not write or delete them (a file yielded at one is refused with a warning,
    /// and the run goes on). Files the user edited are in <see cref="Files"/> with <c>WrittenBy</c> <c>"user"</c>.
    /// </summary>
    public IReadOnlySet<string> LockedPaths { get; init; } = FrozenEmpty;

    /// <summary>
    /// The checkpoint this phase continues from, when an interrupted phase resumes and its
    /// <see cref="IResumablePhaseGenerator"/> chose to continue: its files are already the phase's; otherwise
    /// <see langword="null"/> and the phase is generated from its start.
    /// </summary>
    public PhaseCheckpoint? Checkpoint { get; init; }

    private static readonly IReadOnlySet<string> FrozenEmpty = System.Collections.Frozen.FrozenSet<string>.Empty;
}
