using System.Text.Json;
using System.Text.Json.Serialization;

namespace Iteration.Streaming.Events;

/// <summary>
/// One progress event of a generation: the unit of the wire contract, sent as the JSON
/// <c>data:</c> of a Server-Sent Event in snake_case with null fields omitted.
/// </summary>
/// <remarks>
/// Instances are immutable once appended to an event log, and shared by every subscriber.
/// Use <see cref="GenerationStatus"/>, <see cref="GenerationStages"/> and <see cref="GenerationModes"/>
/// for the well-known string values.
/// </remarks>
public sealed record StreamingProgressEvent
{
    /// <summary>The value of <see cref="Replay"/> on a synthesised event that stands for events no longer retained.</summary>
    public const string SnapshotReplay = "snapshot";

    /// <summary>The generation this event belongs to (a UUID string).</summary>
    public required string GenerationId { get; init; }

    /// <summary>The status: one of <see cref="GenerationStatus"/>.</summary>
    public required string Status { get; init; }

    /// <summary>The stage: one of <see cref="GenerationStages"/>.</summary>
    public required string Stage { get; init; }

    /// <summary>Progress from 0.0 to 1.0. Never decreases within a generation.</summary>
    public required double Progress { get; init; }

    /// <summary>A human-readable message.</summary>
    public required string Message { get; init; }

    /// <summary>When the event was produced (the engine stamps it from its <see cref="TimeProvider"/>); on the wire, Unix seconds with a millisecond fraction.</summary>
    [JsonIgnore]
    public DateTimeOffset Timestamp { get; init; }

    // The wire form of Timestamp. A plain decimal property (not a converter) keeps the source generator's
    // fast serialisation path, which a property-level converter would switch off.
    [JsonInclude]
    [JsonRequired]
    [JsonPropertyName("timestamp")]
    internal decimal TimestampSeconds
    {
        get => UnixSeconds.FromDateTimeOffset(Timestamp);
        init => Timestamp = UnixSeconds.ToDateTimeOffset(value);
    }

    /// <summary>The A/B group of the run, when the host runs experiments.</summary>
    public string? AbGroup { get; init; }

    /// <summary>Feature flags enabled for the run.</summary>
    public IReadOnlyDictionary<string, bool>? EnhancedFeatures { get; init; }

    /// <summary>The pipeline: one of <see cref="GenerationModes"/>.</summary>
    public string? GenerationMode { get; init; }

    /// <summary>Estimated seconds until the run completes, when known.</summary>
    public double? EstimatedTimeRemaining { get; init; }

    /// <summary>The file the generator is producing or has just produced.</summary>
    public string? CurrentFile { get; init; }

    /// <summary>Free-form output attached by the generator or the quality assessor.</summary>
    public IReadOnlyDictionary<string, JsonElement>? PartialOutput { get; init; }

    /// <summary>Details of the phased generation, on phase events.</summary>
    public PhaseInfo? PhaseInfo { get; init; }

    /// <summary>The kind of warning on a <see cref="GenerationStages.Validation"/> event: one of <see cref="WarningTypes"/>.</summary>
    public string? WarningType { get; init; }

    /// <summary>On a data-loss warning: how many files the parent generation had.</summary>
    public int? ParentFileCount { get; init; }

    /// <summary>On a data-loss warning: how many files the iteration has.</summary>
    public int? NewFileCount { get; init; }

    /// <summary>On a data-loss warning: parent files missing from the iteration without an explicit delete (capped).</summary>
    public IReadOnlyList<string>? MissingFiles { get; init; }

    /// <summary>At a review gate (status <see cref="GenerationStatus.AwaitingInput"/>): what the run waits for.</summary>
    public InputRequest? InputRequest { get; init; }

    /// <summary>
    /// On a <see cref="GenerationStages.Resumed"/> event whose interrupted phase continues from its checkpoint (inside the
    /// model's answer) instead of starting again: where it continues.
    /// </summary>
    public ResumedMidPhase? ResumedMidPhase { get; init; }

    /// <summary>On a failed event: the error text (never a stack trace).</summary>
    public string? Error { get; init; }

    /// <summary>
    /// <see cref="SnapshotReplay"/> on an event synthesised for a reader that fell behind what the log retains;
    /// otherwise <see langword="null"/>.
    /// </summary>
    public string? Replay { get; init; }

    /// <summary>Whether this event ends the generation (completed, failed or cancelled).</summary>
    [JsonIgnore]
    public bool IsTerminal => GenerationStatus.IsTerminal(Status);
}
