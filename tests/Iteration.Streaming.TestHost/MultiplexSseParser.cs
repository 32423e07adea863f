using System.Globalization;
using System.Text;

namespace Iteration.Streaming.TestHost;

/// <summary>
/// An incremental Server-Sent Events parser over raw bytes, following the WHATWG rules an <c>EventSource</c> follows
/// (CR, LF or CRLF line ends, one optional space after the colon, an event dispatched only at its blank line, the last
/// event id committed at dispatch). It hands each frame back with the exact number of bytes that completed it, so a
/// reader can stop (and cut the connection) right after any frame or at any byte.
/// </summary>
public sealed class MultiplexSseParser
{
    private readonly List<byte> _line = [];
    private readonly StringBuilder _data = new();
    private string? _idBuffer;
    private bool _afterCr;
    private bool _firstLine = true;

    /// <summary>A parser for one connection; a reconnecting reader passes the id it resumes from, as a browser keeps it.</summary>
    public MultiplexSseParser(string? lastEventId = null)
    {
        LastEventId = lastEventId;
        _idBuffer = lastEventId;
    }

    /// <summary>The last event id committed by a dispatch (what the next <c>Last-Event-ID</c> carries); null before any.</summary>
    public string? LastEventId { get; private set; }

    /// <summary>The reconnection time the last valid <c>retry:</c> line set, in milliseconds.</summary>
    public long? ReconnectionMilliseconds { get; private set; }

    /// <summary>
    /// Parses <paramref name="input"/> until a frame completes or the input runs out.
    /// </summary>
    /// <returns>How many bytes of <paramref name="input"/> were consumed; <paramref name="frame"/> is the frame that
    /// completed at the last of them, or null when the input ran out first.</returns>
    public int Parse(ReadOnlySpan<byte> input, out MultiplexSseFrame? frame)
    {
        frame = null;
        for (var i = 0; i < input.Length; i++)
        {
            var b = input[i];
            if (_afterCr)
            {
                _afterCr = false;
                if (b == (byte)'\n')
                {
                    // The LF of a CRLF: the line ended at the CR.
                    continue;
                }
            }

            if (b is (byte)'\r' or (byte)'\n')
            {
                _afterCr = b == (byte)'\r';
                frame = ProcessLine();
                if (frame is not null)
                {
                    return i + 1;
                }

                continue;
            }

            _line.Add(b);
        }

        return input.Length;
    }

    private MultiplexSseFrame? ProcessLine()
    {
        var line = Encoding.UTF8.GetString([.. _line]);
        _line.Clear();
        if (_firstLine)
        {
            _firstLine = false;
            line = line.TrimStart('\uFEFF');
        }

        if (line.Length == 0)
        {
            return Dispatch();
        }

        if (line[0] == ':')
        {
            return new MultiplexSseFrame(MultiplexSseFrameKind.Comment, Unspace(line[1..]));
        }

        var colon = line.IndexOf(':', StringComparison.Ordinal);
        var field = colon < 0 ? line : line[..colon];
        var value = colon < 0 ? string.Empty : Unspace(line[(colon + 1)..]);
        switch (field)
        {
            case "data":
                _data.Append(value).Append('\n');
                break;
            case "id" when !value.Contains('\0', StringComparison.Ordinal):
                _idBuffer = value;
                break;
            case "retry" when value.Length > 0 && value.All(char.IsAsciiDigit) && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var retry):
                ReconnectionMilliseconds = retry;
                return new MultiplexSseFrame(MultiplexSseFrameKind.Retry, value);
        }

        return null;
    }

    private MultiplexSseFrame? Dispatch()
    {
        LastEventId = _idBuffer;
        if (_data.Length == 0)
        {
            return null;
        }

        var data = _data.ToString(0, _data.Length - 1);
        _data.Clear();
        return new MultiplexSseFrame(MultiplexSseFrameKind.Event, data, LastEventId);
    }

    private static string Unspace(string value) => value.StartsWith(' ') ? value[1..] : value;
}
