using System.Buffers.Text;
using System.Text.Json;
using Iteration.Streaming.EventLog;
using StackExchange.Redis;

namespace Iteration.Streaming.StackExchangeRedis.EventLog;

/// <summary>Maps between our sequence numbers and Redis stream entry ids (<c>{sequence}-0</c>), and reads stored frames.</summary>
internal static class RedisEntries
{
    /// <summary>The one field of every stream entry: the SSE frame.</summary>
    public static readonly RedisValue FrameField = "f";

    public static RedisValue Id(long sequence) => $"{sequence}-0";

    /// <summary>The exclusive start for <c>XRANGE</c>: everything after <paramref name="sequence"/>.</summary>
    public static RedisValue After(long sequence) => $"({sequence}-0";

    public static bool TryParseSequence(RedisValue id, out long sequence)
    {
        sequence = 0;
        if (id.IsNull)
        {
            return false;
        }

        ReadOnlySpan<byte> span = (byte[])id!;
        return span.Length > 2
            && span.EndsWith("-0"u8)
            && Utf8Parser.TryParse(span[..^2], out sequence, out var consumed)
            && consumed == span.Length - 2
            && sequence > 0;
    }

    /// <summary>
    /// Rebuilds an entry from its stream id and stored frame, reusing the frame's bytes and reading only its id and
    /// status: the event itself is deserialised only if something asks for it (an SSE reader never does). Returns false,
    /// with the reason, when the stored value is not a frame of the sequence its id names (written by something else).
    /// </summary>
    public static bool TryRead(RedisValue id, RedisValue frame, out EventLogEntry? entry, out Exception? error)
    {
        entry = null;
        error = null;
        if (!TryParseSequence(id, out var sequence))
        {
            error = new FormatException($"The stream entry id '{id}' is not '{{sequence}}-0'.");
            return false;
        }

        if (frame.IsNull)
        {
            error = new FormatException($"The stream entry has no '{FrameField}' field.");
            return false;
        }

        try
        {
            var parsed = EventLogEntry.FromStoredFrame((byte[])frame!);
            if (parsed.Sequence != sequence)
            {
                error = new FormatException($"The frame stored under sequence {sequence} carries id {parsed.Sequence}.");
                return false;
            }

            entry = parsed;
            return true;
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            error = ex;
            return false;
        }
    }

    /// <summary>The frame stored in one entry's field list (<c>f</c> first; any other field order is tolerated).</summary>
    public static RedisValue FrameOf(NameValueEntry[] values)
    {
        foreach (var value in values)
        {
            if (value.Name == FrameField)
            {
                return value.Value;
            }
        }

        return RedisValue.Null;
    }
}
