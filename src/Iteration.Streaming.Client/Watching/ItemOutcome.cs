namespace Iteration.Streaming.Client.Watching;

/// <summary>What <see cref="IWatchedStream.Accept"/> decided about an event.</summary>
internal enum ItemOutcome
{
    /// <summary>Not ours, or had already: nothing moves.</summary>
    Skip,

    /// <summary>The position moved, but there is nothing to yield (data that is not an event).</summary>
    Advance,

    /// <summary>The position moved: yield the event.</summary>
    Yield,

    /// <summary>Yield the event, and the watch is over.</summary>
    YieldAndEnd,

    /// <summary>Something is wrong with the stream: drop the connection and resume.</summary>
    Reconnect,
}
