namespace Iteration.Streaming.Contracts;

/// <summary>
/// The 202 body of <c>POST /generations</c> and <c>POST /generations/iterate</c>.
/// </summary>
public sealed record GenerationStartedResponse
{
    /// <summary>The new generation's id.</summary>
    public required string GenerationId { get; init; }

    /// <summary>The stream token: send it as <c>Authorization: Bearer</c> or <c>?token=</c>.</summary>
    public required string SseToken { get; init; }

    /// <summary>The URL of the Server-Sent Events stream, relative to the host.</summary>
    public required string StreamUrl { get; init; }

    /// <summary>The URL of the latest snapshot, relative to the host.</summary>
    public required string StatusUrl { get; init; }
}
