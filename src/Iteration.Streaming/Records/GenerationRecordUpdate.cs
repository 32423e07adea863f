using Iteration.Streaming.Generation;

namespace Iteration.Streaming.Records;

/// <summary>
/// A change to a <see cref="GenerationRecord"/> (<see cref="IGenerationRecordStore.UpdateAsync"/>): only the fields that
/// are set change.
/// </summary>
public sealed record GenerationRecordUpdate
{
    /// <summary>The new status; a terminal one also sets the end time, and a terminal record keeps its status.</summary>
    public string? Status { get; init; }

    /// <summary>The plan.</summary>
    public IReadOnlyList<PlannedPhase>? Plan { get; init; }

    /// <summary>How many phases are saved.</summary>
    public int? PhasesSaved { get; init; }

    /// <summary>How many runs were started.</summary>
    public int? Attempts { get; init; }

    /// <summary>The instance that runs it now.</summary>
    public string? Owner { get; init; }

    /// <summary>Sets <see cref="GenerationRecord.InterruptedAt"/> to this time.</summary>
    public DateTimeOffset? InterruptedAt { get; init; }

    /// <summary>Clears <see cref="GenerationRecord.InterruptedAt"/> (a run of it started again).</summary>
    public bool ClearInterrupted { get; init; }

    /// <summary>The file count of the manifest after a save.</summary>
    public int? FileCount { get; init; }

    /// <summary>The total bytes of the manifest after a save.</summary>
    public long? TotalBytes { get; init; }

    /// <summary>The new steering, replacing the old one whole.</summary>
    public RunSteering? Steering { get; init; }

    /// <summary>Sets <see cref="GenerationRecord.Budget"/> (a retry that raises it continues the same budget line).</summary>
    public Contracts.GenerationBudget? Budget { get; init; }

    /// <summary>Sets <see cref="GenerationRecord.Usage"/> (the new total, not an increment).</summary>
    public Contracts.GenerationUsage? Usage { get; init; }

    /// <summary>Sets <see cref="GenerationRecord.Cost"/> (the new total).</summary>
    public Contracts.GenerationCost? Cost { get; init; }

    /// <summary>Sets <see cref="GenerationRecord.Stage"/>.</summary>
    public string? Stage { get; init; }

    /// <summary>Sets <see cref="GenerationRecord.Progress"/>.</summary>
    public double? Progress { get; init; }

    /// <summary>Sets <see cref="GenerationRecord.RetryAt"/>.</summary>
    public DateTimeOffset? RetryAt { get; init; }

    /// <summary>Clears <see cref="GenerationRecord.RetryAt"/> (wins over <see cref="RetryAt"/>).</summary>
    public bool ClearRetryAt { get; init; }

    /// <summary>Sets <see cref="GenerationRecord.AutoRetries"/>.</summary>
    public int? AutoRetries { get; init; }
}
