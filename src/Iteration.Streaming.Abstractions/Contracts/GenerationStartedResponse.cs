namespace Iteration.Streaming.Contracts;

/// <summary>
/// The 202 body of <c>POST /generations</c> and <c>POST /generations/iterate</c>.
/// </summary>
public sealed record GenerationStartedResponse
{
    /// <summary>The new generation's id.</summary>
    public required string GenerationId { get; init; }

    /// <summary>The read token (stream, snapshot, files, archive): send it as <c>Authorization: Bearer</c> or <c>?token=</c>.</summary>
    public required string SseToken { get; init; }

    /// <summary>
    /// The control token (iterate from this generation, cancel, retry): send it only as <c>Authorization: Bearer</c>,
    /// never in a URL. It also reads.
    /// </summary>
    public string? ControlToken { get; init; }

    /// <summary>For a retry, the generation it retries.</summary>
    public string? RetryOf { get; init; }

    /// <summary>For a fork: the generation whose phases it kept.</summary>
    public string? ForkedFrom { get; init; }

    /// <summary>For a fork: the last phase of <see cref="ForkedFrom"/> it kept.</summary>
    public int? FromPhase { get; init; }

    /// <summary>The URL of the Server-Sent Events stream, relative to the host.</summary>
    public required string StreamUrl { get; init; }

    /// <summary>The URL of the latest snapshot, relative to the host.</summary>
    public required string StatusUrl { get; init; }

    /// <summary>The generation's budget after the host's cap (what the run is held to), when it has one.</summary>
    public GenerationBudget? Budget { get; init; }
}
