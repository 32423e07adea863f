namespace Iteration.Streaming.TestHost;

/// <summary>
/// Where a <see cref="MultiplexStreamConnection"/> stops reading before the test cuts it: after so many events, after so
/// many bytes of the body (possibly mid-frame), or when the server falls idle (its heartbeat comment), whichever comes
/// first. Neither limit: read until idle or the end.
/// </summary>
/// <param name="Events">Stop right after this many events of this connection.</param>
/// <param name="Bytes">Stop after exactly this many bytes of this connection's body.</param>
/// <param name="StopWhenIdle">Stop at a heartbeat comment (nothing more to send right now).</param>
public readonly record struct MultiplexCut(int? Events = null, long? Bytes = null, bool StopWhenIdle = true)
{
    /// <summary>Stops after <paramref name="count"/> events, or when the server falls idle.</summary>
    public static MultiplexCut AfterEvents(int count) => new(Events: count);

    /// <summary>Stops after <paramref name="count"/> bytes, or when the server falls idle.</summary>
    public static MultiplexCut AfterBytes(long count) => new(Bytes: count);

    public override string ToString() => Events is { } e ? $"after {e} events" : Bytes is { } b ? $"after {b} bytes" : "when idle";
}
