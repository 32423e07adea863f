using System.Text;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Multiplex;

/// <summary>
/// Parses Server-Sent Events byte by byte the way EventSource does (an event is dispatched at its blank line, the
/// <c>id:</c> is remembered across events), but keeps comment lines too. Bytes after the last complete line are held
/// until more arrive, so a connection cut mid-frame leaves that frame undelivered, as in a browser.
/// </summary>
public sealed class MultiplexParser
{
    private readonly MemoryStream _line = new();
    private readonly StringBuilder _data = new();
    private bool _hasData;

    /// <summary>The last <c>id:</c> received (EventSource's last event ID buffer).</summary>
    public string? LastId { get; private set; }

    /// <summary>Feeds one byte; adds to <paramref name="output"/> what it completes.</summary>
    public void Feed(byte value, List<MultiplexItem> output)
    {
        if (value != (byte)'\n')
        {
            _line.WriteByte(value);
            return;
        }

        var line = Encoding.UTF8.GetString(_line.GetBuffer(), 0, (int)_line.Length).TrimEnd('\r');
        _line.SetLength(0);
        if (line.Length == 0)
        {
            if (_hasData)
            {
                output.Add(new MultiplexItem(LastId, _data.ToString(), null));
            }

            _data.Clear();
            _hasData = false;
            return;
        }

        if (line[0] == ':')
        {
            output.Add(new MultiplexItem(null, null, line[1..].TrimStart(' ')));
            return;
        }

        var colon = line.IndexOf(':', StringComparison.Ordinal);
        var field = colon < 0 ? line : line[..colon];
        var text = colon < 0 ? string.Empty : line[(colon + 1)..];
        if (text.StartsWith(' '))
        {
            text = text[1..];
        }

        switch (field)
        {
            case "id":
                LastId = text;
                break;
            case "retry":
                output.Add(new MultiplexItem(null, null, null, text));
                break;
            case "data":
                if (_hasData)
                {
                    _data.Append('\n');
                }

                _data.Append(text);
                _hasData = true;
                break;
        }
    }
}
