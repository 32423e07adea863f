namespace Iteration.Streaming.StackExchangeRedis.Tests.Multiplex;

/// <summary>
/// One thing a multiplexed stream sends, as a browser's EventSource sees it: an event (its <c>id:</c>, the set's cursor,
/// and its <c>data:</c>), a comment line (which EventSource drops but a test must see: heartbeats, a member leaving), or
/// the <c>retry:</c> line (the first thing a stream writes).
/// </summary>
/// <param name="Cursor">The last <c>id:</c> seen when the event was dispatched; null for a comment.</param>
/// <param name="Data">The event's data; null for a comment.</param>
/// <param name="Comment">The comment's text without the leading <c>": "</c>; null for an event.</param>
/// <param name="Retry">The <c>retry:</c> value; null for anything else.</param>
public sealed record MultiplexItem(string? Cursor, string? Data, string? Comment, string? Retry = null)
{
    public bool IsComment => Comment is not null;

    public bool IsEvent => Data is not null;
}
