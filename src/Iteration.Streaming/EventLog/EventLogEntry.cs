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

    private static ReadOnlySpan<byte> StatusProperty => "status"u8;

    private StreamingProgressEvent? _event;

    private EventLogEntry(long sequence, StreamingProgressEvent progressEvent, ReadOnlyMemory<byte> frame)
    {
        Sequence = sequence;
        _event = progressEvent;
        Frame = frame;
        IsTerminal = progressEvent.IsTerminal;
    }

    private EventLogEntry(long sequence, bool isTerminal, ReadOnlyMemory<byte> frame)
    {
        Sequence = sequence;
        Frame = frame;
        IsTerminal = isTerminal;
    }

    /// <summary>The 1-based position in the generation's log; the SSE <c>id</c>.</summary>
    public long Sequence { get; }

    /// <summary>The typed event.</summary>
    /// <exception cref="JsonException">
    /// The entry was made by <see cref="FromStoredFrame"/> and its data turned out not to be a valid event.
    /// </exception>
    public StreamingProgressEvent Event => _event ?? ParseEvent();

    /// <summary>The complete UTF-8 SSE frame, ending with a blank line.</summary>
    public ReadOnlyMemory<byte> Frame { get; }

    /// <summary>Whether this entry ends the generation.</summary>
    public bool IsTerminal { get; }

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
    /// Creates an entry from <paramref name="progressEvent"/>'s data serialised ahead of its number (by
    /// <see cref="EventFrame.SerializeData"/>): a store's writer numbers and frames it without serialising again.
    /// </summary>
    internal static EventLogEntry Create(long sequence, StreamingProgressEvent progressEvent, ReadOnlySpan<byte> data)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sequence, 1);
        ArgumentNullException.ThrowIfNull(progressEvent);

        return new EventLogEntry(sequence, progressEvent, EventFrame.Compose(sequence, data));
    }

    /// <summary>
    /// Parses an SSE frame produced by <see cref="Create(long, StreamingProgressEvent)"/> (for example one read back from a shared store)
    /// into an entry that reuses the frame's bytes.
    /// </summary>
    /// <param name="frame">The frame: <c>id: N\ndata: {json}\n\n</c>.</param>
    /// <returns>The entry.</returns>
    /// <exception cref="FormatException">The frame is not of that form.</exception>
    /// <exception cref="JsonException">The data is not a valid event.</exception>
    public static EventLogEntry FromFrame(ReadOnlyMemory<byte> frame)
    {
        var json = SplitFrame(frame.Span, out var sequence);
        var progressEvent = JsonSerializer.Deserialize(json, IterationStreamingJson.StreamingProgressEvent)
            ?? throw new JsonException("An event log frame carried 'null' instead of an event.");
        return new EventLogEntry(sequence, progressEvent, frame);
    }

    /// <summary>
    /// Wraps an SSE frame produced by <see cref="Create(long, StreamingProgressEvent)"/> and read back from a store that only ever holds such frames,
    /// reading no more of it than its id and the event's <c>status</c>: subscribers write <see cref="Frame"/> as is, and
    /// <see cref="Event"/> is deserialised only when something reads it. This is what a backplane's live tail uses, where
    /// every stored frame reaches readers that never look inside it.
    /// </summary>
    /// <param name="frame">The frame: <c>id: N\ndata: {json}\n\n</c>.</param>
    /// <returns>The entry.</returns>
    /// <exception cref="FormatException">The frame is not of that form.</exception>
    /// <exception cref="JsonException">The data is not a JSON object with a string <c>status</c>.</exception>
    public static EventLogEntry FromStoredFrame(ReadOnlyMemory<byte> frame)
    {
        var json = SplitFrame(frame.Span, out var sequence);
        return new EventLogEntry(sequence, GenerationStatus.IsTerminal(ReadStatus(json)), frame);
    }

    /// <inheritdoc />
    public override string ToString() =>
        _event is { } progressEvent ? $"#{Sequence} {progressEvent.Stage} ({progressEvent.Status})" : $"#{Sequence}{(IsTerminal ? " (terminal)" : string.Empty)}";

    /// <summary>Checks the frame's form and returns its JSON data, with the sequence its <c>id:</c> line names.</summary>
    private static ReadOnlySpan<byte> SplitFrame(ReadOnlySpan<byte> span, out long sequence)
    {
        if (!span.StartsWith(IdPrefix) || !span.EndsWith(FrameEnd))
        {
            throw new FormatException("An event log frame must start with 'id: ' and end with a blank line.");
        }

        var afterId = span[IdPrefix.Length..];
        var dataAt = afterId.IndexOf(DataPrefix);
        if (dataAt <= 0
            || !Utf8Parser.TryParse(afterId[..dataAt], out sequence, out var consumed)
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

        return json;
    }

    /// <summary>Reads the top-level <c>status</c> of the event's JSON, stopping there (it is the second property our writer emits).</summary>
    private static string ReadStatus(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("An event log frame must carry a JSON object.");
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isStatus = reader.ValueTextEquals(StatusProperty);
            if (!reader.Read())
            {
                break;
            }

            if (isStatus)
            {
                return reader.TokenType == JsonTokenType.String
                    ? KnownStatus(ref reader)
                    : throw new JsonException("An event log frame's 'status' must be a string.");
            }

            reader.Skip();
        }

        throw new JsonException("An event log frame must carry the event's 'status'.");
    }

    private static string KnownStatus(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals(GenerationStatus.Processing) ? GenerationStatus.Processing
        : reader.ValueTextEquals(GenerationStatus.Completed) ? GenerationStatus.Completed
        : reader.ValueTextEquals(GenerationStatus.Failed) ? GenerationStatus.Failed
        : reader.ValueTextEquals(GenerationStatus.Cancelled) ? GenerationStatus.Cancelled
        : reader.ValueTextEquals(GenerationStatus.Queued) ? GenerationStatus.Queued
        : reader.GetString()!;

    private StreamingProgressEvent ParseEvent()
    {
        var json = SplitFrame(Frame.Span, out _);
        var parsed = JsonSerializer.Deserialize(json, IterationStreamingJson.StreamingProgressEvent)
            ?? throw new JsonException($"The event log frame of sequence {Sequence} carried 'null' instead of an event.");

        // Two threads racing here parse the same bytes to equal events; either one may stay.
        return Interlocked.CompareExchange(ref _event, parsed, null) ?? parsed;
    }
}
