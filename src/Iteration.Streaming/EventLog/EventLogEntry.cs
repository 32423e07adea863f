using System.Buffers.Text;
using System.Text.Json;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.EventLog;

/// <summary>
/// One event in a generation's log: its sequence number, the typed event, and the ready
/// Server-Sent Events frame (<c>id: N\ndata: {json}\n\n</c>, UTF-8) that every subscriber writes as is.
/// </summary>
/// <remarks>An entry is created once per append and shared by all subscribers; it is immutable.</remarks>
public sealed class EventLogEntry
{
    private static ReadOnlySpan<byte> IdPrefix => "id: "u8;
    private static ReadOnlySpan<byte> DataPrefix => "\ndata: "u8;
    private static ReadOnlySpan<byte> FrameEnd => "\n\n"u8;

    private EventLogEntry(long sequence, StreamingProgressEvent progressEvent, ReadOnlyMemory<byte> frame)
    {
        Sequence = sequence;
        Event = progressEvent;
        Frame = frame;
    }

    /// <summary>The 1-based position in the generation's log; the SSE <c>id</c>.</summary>
    public long Sequence { get; }

    /// <summary>The typed event.</summary>
    public StreamingProgressEvent Event { get; }

    /// <summary>The complete UTF-8 SSE frame, ending with a blank line.</summary>
    public ReadOnlyMemory<byte> Frame { get; }

    /// <summary>Whether this entry ends the generation.</summary>
    public bool IsTerminal => Event.IsTerminal;

    /// <summary>
    /// Creates an entry, serialising <paramref name="progressEvent"/> once into its SSE frame.
    /// </summary>
    /// <param name="sequence">The sequence number, 1 or more.</param>
    /// <param name="progressEvent">The event.</param>
    /// <returns>The entry.</returns>
    public static EventLogEntry Create(long sequence, StreamingProgressEvent progressEvent)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sequence, 1);
        ArgumentNullException.ThrowIfNull(progressEvent);

        return new EventLogEntry(sequence, progressEvent, EventFrame.Build(sequence, progressEvent));
    }

    /// <summary>
    /// Parses an SSE frame produced by <see cref="Create"/> (for example one read back from a shared store)
    /// into an entry that reuses the frame's bytes.
    /// </summary>
    /// <param name="frame">The frame: <c>id: N\ndata: {json}\n\n</c>.</param>
    /// <returns>The entry.</returns>
    /// <exception cref="FormatException">The frame is not of that form.</exception>
    /// <exception cref="JsonException">The data is not a valid event.</exception>
    public static EventLogEntry FromFrame(ReadOnlyMemory<byte> frame)
    {
        var span = frame.Span;
        if (!span.StartsWith(IdPrefix) || !span.EndsWith(FrameEnd))
        {
            throw new FormatException("An event log frame must start with 'id: ' and end with a blank line.");
        }

        var afterId = span[IdPrefix.Length..];
        var dataAt = afterId.IndexOf(DataPrefix);
        if (dataAt <= 0
            || !Utf8Parser.TryParse(afterId[..dataAt], out long sequence, out var consumed)
            || consumed != dataAt
            || sequence < 1)
        {
            throw new FormatException("An event log frame must carry a positive integer id followed by one data line.");
        }

        var json = afterId[(dataAt + DataPrefix.Length)..^FrameEnd.Length];
        if (json.IndexOf((byte)'\n') >= 0)
        {
            throw new FormatException("An event log frame must carry exactly one data line.");
        }

        var progressEvent = JsonSerializer.Deserialize(json, IterationStreamingJson.StreamingProgressEvent)
            ?? throw new JsonException("An event log frame carried 'null' instead of an event.");
        return new EventLogEntry(sequence, progressEvent, frame);
    }

    /// <inheritdoc />
    public override string ToString() => $"#{Sequence} {Event.Stage} ({Event.Status})";
}
