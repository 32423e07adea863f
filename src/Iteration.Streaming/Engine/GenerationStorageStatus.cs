namespace Iteration.Streaming.Engine;

/// <summary>What <see cref="GenerationStorageHealth"/> knows of one storage part's writes.</summary>
/// <param name="IsFailing">
/// Whether the last write that was reported failed: a run's or an admission's write, or a health probe's. A later
/// successful probe ends it.
/// </param>
/// <param name="FailureCount">How many failed writes were reported since the process started.</param>
/// <param name="LastFailureAt">When the last failure was reported, if any.</param>
/// <param name="LastSuccessAt">When a write (a probe's) last succeeded, if any.</param>
public readonly record struct GenerationStorageStatus(
    bool IsFailing,
    long FailureCount,
    DateTimeOffset? LastFailureAt,
    DateTimeOffset? LastSuccessAt);
