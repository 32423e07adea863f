namespace Iteration.Streaming.LoadTest.Client;

/// <summary>How a connection's body is framed: plain SSE events, or SignalR messages over its SSE transport.</summary>
internal enum StreamKind
{
    Sse,
    SignalR,
}
