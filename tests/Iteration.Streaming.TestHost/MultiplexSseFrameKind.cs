namespace Iteration.Streaming.TestHost;

/// <summary>What a <see cref="MultiplexSseFrame"/> is.</summary>
public enum MultiplexSseFrameKind
{
    /// <summary>An event: its data lines, dispatched at the blank line that ends it.</summary>
    Event,

    /// <summary>A comment line (<c>: heartbeat</c>, <c>: generation … left the stream …</c>).</summary>
    Comment,

    /// <summary>A <c>retry:</c> line with a valid number of milliseconds.</summary>
    Retry,
}
