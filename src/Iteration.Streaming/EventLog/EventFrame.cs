using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.EventLog;

/// <summary>
/// Builds an event's SSE frame, <c>id: N\ndata: {json}\n\n</c>, with System.Text.Json and the source-generated metadata
/// (<see cref="IterationStreamingJson"/>), written into a reused per-thread buffer and copied out at its exact size.
/// </summary>
/// <remarks>
/// A hand-written writer used to do this about 250 ns faster per event; measured end to end (build the frame, append,
/// deliver) that was not the 1.5× it had to be worth to keep a second serializer in step with the generated one
/// (<c>benchmarks/README.md</c>, "The frame writer, decided by measurement"), so the serializer's own code writes frames.
/// </remarks>
internal static class EventFrame
{
    // A buffer grown by an unusually large event is not kept for the thread's life.
    private const int KeptBufferSize = 64 * 1024;

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // The serializer's escaping (a Utf8JsonWriter writes with its own options, not the serializer's).
        Encoder = IterationStreamingJson.Options.Encoder,
        SkipValidation = true,
    };

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_json;

    private static ReadOnlySpan<byte> IdPrefix => "id: "u8;
    private static ReadOnlySpan<byte> DataPrefix => "\ndata: "u8;
    private static ReadOnlySpan<byte> FrameEnd => "\n\n"u8;

    /// <summary>Returns the frame of <paramref name="progressEvent"/> under <paramref name="sequence"/>, in a new array.</summary>
    public static byte[] Build(long sequence, StreamingProgressEvent progressEvent)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        Write(buffer, IdPrefix);
        Utf8Formatter.TryFormat(sequence, buffer.GetSpan(20), out var digits);
        buffer.Advance(digits);
        Write(buffer, DataPrefix);

        var json = t_json ??= new Utf8JsonWriter(buffer, WriterOptions);
        json.Reset(buffer);
        try
        {
            JsonSerializer.Serialize(json, progressEvent, IterationStreamingJson.StreamingProgressEvent);
            json.Flush();
            Write(buffer, FrameEnd);
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            json.Reset();
            if (buffer.Capacity > KeptBufferSize)
            {
                t_buffer = null;
            }
        }
    }

    /// <summary>
    /// The data of <paramref name="progressEvent"/>'s frame (its JSON), in a new array: what a store serialises on the
    /// appending thread before the event has its number (<see cref="Compose"/> then makes the frame).
    /// </summary>
    public static byte[] SerializeData(StreamingProgressEvent progressEvent)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var json = t_json ??= new Utf8JsonWriter(buffer, WriterOptions);
        json.Reset(buffer);
        try
        {
            JsonSerializer.Serialize(json, progressEvent, IterationStreamingJson.StreamingProgressEvent);
            json.Flush();
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            json.Reset();
            if (buffer.Capacity > KeptBufferSize)
            {
                t_buffer = null;
            }
        }
    }

    /// <summary>The frame of the event whose data <see cref="SerializeData"/> gave, under <paramref name="sequence"/>.</summary>
    public static byte[] Compose(long sequence, ReadOnlySpan<byte> data)
    {
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(sequence, digits, out var length);
        var frame = new byte[IdPrefix.Length + length + DataPrefix.Length + data.Length + FrameEnd.Length];
        var span = frame.AsSpan();
        IdPrefix.CopyTo(span);
        span = span[IdPrefix.Length..];
        digits[..length].CopyTo(span);
        span = span[length..];
        DataPrefix.CopyTo(span);
        span = span[DataPrefix.Length..];
        data.CopyTo(span);
        FrameEnd.CopyTo(span[data.Length..]);
        return frame;
    }

    private static void Write(ArrayBufferWriter<byte> buffer, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(buffer.GetSpan(bytes.Length));
        buffer.Advance(bytes.Length);
    }
}
