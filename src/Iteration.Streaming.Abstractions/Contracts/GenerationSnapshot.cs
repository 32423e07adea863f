using Iteration.Streaming.Events;

namespace Iteration.Streaming.Contracts;

/// <summary>
/// The body of <c>GET /generations/{id}</c>: the latest state of a generation.
/// </summary>
public sealed record GenerationSnapshot
{
    /// <summary>The generation's id.</summary>
    public required string GenerationId { get; init; }

    /// <summary>The latest status: one of <see cref="GenerationStatus"/>.</summary>
    public required string Status { get; init; }

    /// <summary>The sequence number of <see cref="LastEvent"/> (its SSE <c>id</c>); 0 when nothing was emitted yet.</summary>
    public long LastEventId { get; init; }

    /// <summary>The most recent event, when there is one.</summary>
    public StreamingProgressEvent? LastEvent { get; init; }

    /// <summary>How many files are saved so far.</summary>
    public int FileCount { get; init; }

    /// <summary>The total size in bytes of the files saved so far.</summary>
    public long TotalBytes { get; init; }

    /// <summary>For an iteration, the generation it derives from.</summary>
    public string? ParentGenerationId { get; init; }

    /// <summary>For a retry, the generation it retries.</summary>
    public string? RetryOf { get; init; }

    /// <summary>For a fork: the generation whose phases it kept.</summary>
    public string? ForkedFrom { get; init; }

    /// <summary>For a fork: the last phase of <see cref="ForkedFrom"/> it kept.</summary>
    public int? FromPhase { get; init; }

    /// <summary>The plan, once made.</summary>
    public IReadOnlyList<PhaseSummary>? Phases { get; init; }

    /// <summary>How many phases of the plan are saved.</summary>
    public int PhasesSaved { get; init; }

    /// <summary>When the generation was started.</summary>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>When it ended; absent while it is live.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>The tokens the generation spent so far, over all its attempts; absent before its first report.</summary>
    public GenerationUsage? Usage { get; init; }

    /// <summary>What those tokens cost, when the host has a price table.</summary>
    public GenerationCost? Cost { get; init; }

    /// <summary>The generation's budget, when it has one.</summary>
    public GenerationBudget? Budget { get; init; }
}
