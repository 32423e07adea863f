using System.Text.Json.Serialization;

namespace Iteration.Streaming.Events;

/// <summary>
/// What a run at a review gate waits for (<see cref="StreamingProgressEvent.InputRequest"/>): the plan to approve or
/// revise, or a saved phase to review before the next one runs. Answer it with <c>POST {prefix}/{id}/input</c>.
/// </summary>
public sealed record InputRequest
{
    /// <summary>One of <see cref="InputRequestKinds"/>.</summary>
    public required string Kind { get; init; }

    /// <summary>For <see cref="InputRequestKinds.Phase"/>: the phase that was saved (its files are readable now).</summary>
    public int? Phase { get; init; }

    /// <summary>The plan as it stands.</summary>
    public required IReadOnlyList<PhaseSummary> Phases { get; init; }

    /// <summary>When the run ends <c>cancelled</c> if nobody answers (<c>IterationStreaming:InputTimeout</c>).</summary>
    [JsonIgnore]
    public DateTimeOffset ExpiresAt { get; init; }

    // The wire form of ExpiresAt: Unix seconds, as the event's timestamp.
    [JsonInclude]
    [JsonRequired]
    [JsonPropertyName("expires_at")]
    internal decimal ExpiresAtSeconds
    {
        get => UnixSeconds.FromDateTimeOffset(ExpiresAt);
        init => ExpiresAt = UnixSeconds.ToDateTimeOffset(value);
    }
}
