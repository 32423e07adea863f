namespace Iteration.Streaming.Contracts;

/// <summary>
/// The 200 body of <c>POST {prefix}/watch</c>: one token that reads exactly the watched generations, and the stream
/// that takes it.
/// </summary>
public sealed record GenerationWatchResponse
{
    /// <summary>
    /// The watch token: send it to <see cref="StreamUrl"/> as <c>?token=</c> (what <c>EventSource</c> can do) or
    /// <c>Authorization: Bearer</c>. It reads only; it is valid while any of the generations is live, and for the
    /// terminal grace period after the last one ended (the rules of a generation's <c>sse_token</c>).
    /// </summary>
    public required string WatchToken { get; init; }

    /// <summary>The URL of the multiplexed Server-Sent Events stream, relative to the host.</summary>
    public required string StreamUrl { get; init; }

    /// <summary>The watched generations' ids, in the order of the request.</summary>
    public required IReadOnlyList<string> Generations { get; init; }
}
