namespace Iteration.Streaming.Client.Tests.Infrastructure;

/// <summary>What <see cref="StreamFaults"/> does to one stream request.</summary>
public abstract record StreamFault
{
    /// <summary>
    /// Sends exactly the first <paramref name="Bytes"/> bytes of the body, then ends the response (a clean end,
    /// usually mid-frame): the client is sure to receive those bytes and nothing after them.
    /// </summary>
    public sealed record EndAfter(long Bytes) : StreamFault;

    /// <summary>
    /// Sends the first <paramref name="Bytes"/> bytes, then aborts the connection (a reset): bytes still in flight may
    /// be lost, as on a real network.
    /// </summary>
    public sealed record AbortAfter(long Bytes) : StreamFault;

    /// <summary>Sends the first <paramref name="Bytes"/> bytes, then sends nothing more and keeps the connection open.</summary>
    public sealed record FreezeAfter(long Bytes) : StreamFault;

    /// <summary>Answers with an error status (and a <c>Retry-After</c> when given) instead of the stream.</summary>
    public sealed record Status(int StatusCode, TimeSpan? RetryAfter = null) : StreamFault;
}
