namespace Iteration.Streaming.Contracts;

/// <summary>One generation of a watch set (<see cref="GenerationWatchRequest"/>).</summary>
public sealed record GenerationWatchMember
{
    /// <summary>The generation's id.</summary>
    public required string Id { get; init; }

    /// <summary>
    /// Its read (<c>sse_token</c>) or control token. Omitted when the caller owns the generation and the host resolves
    /// owners (a request from the host's own pages).
    /// </summary>
    public string? Token { get; init; }
}
