using Iteration.Streaming.Generation;
using Iteration.Streaming.Modes;

namespace Iteration.Streaming.Records;

/// <summary>
/// What the engine remembers about a generation besides its events: what was asked, how it is planned, who runs it,
/// how far it got, and whether and when it ended. The status here is the generation's status of record.
/// </summary>
public sealed record GenerationRecord
{
    /// <summary>The generation's id.</summary>
    public required string GenerationId { get; init; }

    /// <summary>For an iteration, the generation it derives from.</summary>
    public string? ParentGenerationId { get; init; }

    /// <summary>For a retry, the failed or cancelled generation whose saved phases it reuses.</summary>
    public string? RetryOf { get; init; }

    /// <summary>For a fork, the generation whose phases 1 to <see cref="FromPhase"/> it kept.</summary>
    public string? ForkedFrom { get; init; }

    /// <summary>For a fork, the last phase of <see cref="ForkedFrom"/> it kept.</summary>
    public int? FromPhase { get; init; }

    /// <summary>For a revert (an iteration that restores files without the model), which paths and from where.</summary>
    public GenerationRevert? Revert { get; init; }

    /// <summary>The prompt (for an iteration, its parent's prompt when known).</summary>
    public required string Prompt { get; init; }

    /// <summary>For an iteration, what to change.</summary>
    public string? ModificationPrompt { get; init; }

    /// <summary>The entities of the app.</summary>
    public required IReadOnlyList<string> Entities { get; init; }

    /// <summary>The user who started it, when the host resolves one; actions by that user need no control token.</summary>
    public string? UserId { get; init; }

    /// <summary>The pipeline and experiment group chosen when it was admitted.</summary>
    public GenerationModeAssignment? Mode { get; init; }

    /// <summary>The plan, once made; a resumed run follows the same plan.</summary>
    public IReadOnlyList<PlannedPhase>? Plan { get; init; }

    /// <summary>How many phases of <see cref="Plan"/> are saved (their files are in the sink); they are never generated again.</summary>
    public int PhasesSaved { get; init; }

    /// <summary>How many times a run of it was started (1 for a run that was never interrupted).</summary>
    public int Attempts { get; init; }

    /// <summary>One of <see cref="Events.GenerationStatus"/>.</summary>
    public required string Status { get; init; }

    /// <summary>When it was admitted.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it ended (its status became terminal); <see langword="null"/> while it is live.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>When its last run was stopped without ending (host shutdown, lost owner); cleared when it runs again.</summary>
    public DateTimeOffset? InterruptedAt { get; init; }

    /// <summary>The app instance that runs (or ran) it; <see langword="null"/> with one instance.</summary>
    public string? Owner { get; init; }

    /// <summary>How many files its manifest listed when last saved.</summary>
    public int FileCount { get; init; }

    /// <summary>The total size of those files, in bytes.</summary>
    public long TotalBytes { get; init; }

    /// <summary>Its review gates and the user's inputs; <see langword="null"/> for a generation nobody steers.</summary>
    public RunSteering? Steering { get; init; }

    /// <summary>The generation's token budget (after the host's cap), or <see langword="null"/> when it has none.</summary>
    public Contracts.GenerationBudget? Budget { get; init; }

    /// <summary>The tokens it spent so far over all its attempts: saved phases, and phases lost to a failure or a retry.</summary>
    public Contracts.GenerationUsage? Usage { get; init; }

    /// <summary>What <see cref="Usage"/> cost at the host's price table, when it has one.</summary>
    public Contracts.GenerationCost? Cost { get; init; }

    /// <summary>The stage of its latest event as of its last phase save or its end (the latest event itself is the truth while it runs).</summary>
    public string? Stage { get; init; }

    /// <summary>The progress of its latest event as of its last phase save or its end, 0–100.</summary>
    public double Progress { get; init; }

    /// <summary>
    /// When a transient failure's automatic retry is due (the run waits, holding no slot, and resumes then, also after a
    /// restart); <see langword="null"/> when none is pending.
    /// </summary>
    public DateTimeOffset? RetryAt { get; init; }

    /// <summary>How many automatic retries of transient failures it has had.</summary>
    public int AutoRetries { get; init; }
}
