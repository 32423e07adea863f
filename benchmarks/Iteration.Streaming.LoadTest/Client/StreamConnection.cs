using System.Buffers.Text;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Iteration.Streaming.LoadTest.Client;

/// <summary>
/// One real SSE connection over a raw socket bound to a chosen 127.0.0.x source address: sends the GET, parses the
/// HTTP/1.1 response (chunked), splits SSE lines, and records each event's delivery and latency.
/// </summary>
/// <remarks>
/// Raw sockets keep the load generator's own cost low and equal for every system under test. A "slow" connection has a
/// tiny receive buffer and stops reading after its first event.
/// </remarks>
internal sealed class StreamConnection : IDisposable
{
    private const int SolIp = 0;
    private const int IpBindAddressNoPort = 24;
    private static ReadOnlySpan<byte> StampMarker => "#ts"u8;

    private readonly ScenarioMetrics _metrics;
    private readonly StreamKind _kind;
    private readonly IPAddress _source;
    private readonly IPEndPoint _server;
    private readonly TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Socket? _socket;
    private readonly byte[] _receive;
    private readonly DeliveryLedger? _ledger;
    private readonly bool _opaqueIds;
    private byte[] _carry = [];
    private int _carryLength;
    private bool _headersDone;
    private bool _chunked;
    private int _chunkState;
    private long _chunkRemaining;
    private long _pendingId;
    private long _previousId;
    private long _connectStarted;

    /// <param name="ledger">Records what each generation delivered, from the events' JSON; none by default.</param>
    /// <param name="opaqueIds">The stream's <c>id:</c> values are opaque cursors (a multiplexed stream), not a sequence to check.</param>
    public StreamConnection(
        ScenarioMetrics metrics, StreamKind kind, IPAddress source, IPEndPoint server, bool slow, int receiveBufferSize, DeliveryLedger? ledger = null, bool opaqueIds = false)
    {
        _metrics = metrics;
        _ledger = ledger;
        _opaqueIds = opaqueIds;
        _kind = kind;
        _source = source;
        _server = server;
        Slow = slow;
        _receive = new byte[receiveBufferSize];
    }

    public bool Slow { get; }

    public DeliveryLedger? Ledger => _ledger;

    public long Delivered { get; private set; }

    /// <summary>Completes when the server's response headers arrived (or the connection failed).</summary>
    public Task Opened => _opened.Task;

    /// <summary>Set by a SignalR connection once the handshake answer arrived.</summary>
    public TaskCompletionSource HandshakeDone { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task? Receiving { get; private set; }

    public async Task ConnectAsync(string pathAndQuery, CancellationToken cancellationToken)
    {
        _connectStarted = Stopwatch.GetTimestamp();
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _socket = socket;
        if (Slow)
        {
            socket.ReceiveBufferSize = 4096;
        }

        // Let connect() pick the port per destination, so each 127.0.0.x source has its own ephemeral range.
        socket.SetRawSocketOption(SolIp, IpBindAddressNoPort, BitConverter.GetBytes(1));
        socket.Bind(new IPEndPoint(_source, 0));
        await socket.ConnectAsync(_server, cancellationToken);
        var request = Encoding.ASCII.GetBytes(
            $"GET {pathAndQuery} HTTP/1.1\r\nHost: {_server}\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n");
        await socket.SendAsync(request, SocketFlags.None, cancellationToken);
        Receiving = ReceiveLoopAsync(cancellationToken);
    }

    public void Dispose()
    {
        _opened.TrySetCanceled();
        try
        {
            _socket?.Dispose();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        var socket = _socket!;
        try
        {
            while (true)
            {
                if (Slow && Delivered > 0)
                {
                    // A stopped reader: it never reads again, until the scenario ends.
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }

                var read = await socket.ReceiveAsync(_receive, SocketFlags.None, cancellationToken);
                if (read == 0)
                {
                    _metrics.StreamEnded();
                    if (!_opened.Task.IsCompleted)
                    {
                        _metrics.Error("The server closed the connection before the stream opened.");
                    }

                    _opened.TrySetResult();
                    return;
                }

                _metrics.Received(read);
                if (!Process(_receive.AsSpan(0, read)))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        catch (SocketException ex) when (cancellationToken.IsCancellationRequested || ex.SocketErrorCode is SocketError.OperationAborted)
        {
        }
        catch (SocketException ex)
        {
            _metrics.Error("Socket error: " + ex.SocketErrorCode);
        }
        finally
        {
            _opened.TrySetResult();
        }
    }

    private bool Process(ReadOnlySpan<byte> data)
    {
        if (!_headersDone)
        {
            AppendCarry(data);
            var headerEnd = _carry.AsSpan(0, _carryLength).IndexOf("\r\n\r\n"u8);
            if (headerEnd < 0)
            {
                return true;
            }

            var head = Encoding.ASCII.GetString(_carry, 0, headerEnd);
            var rest = _carry.AsSpan(headerEnd + 4, _carryLength - headerEnd - 4).ToArray();
            _carryLength = 0;
            _headersDone = true;
            if (!head.StartsWith("HTTP/1.1 200", StringComparison.Ordinal))
            {
                _metrics.Error("Status: " + head.Split('\r')[0]);
                _opened.TrySetResult();
                return false;
            }

            _chunked = head.Contains("transfer-encoding: chunked", StringComparison.OrdinalIgnoreCase);
            _metrics.Open.RecordTicks(Stopwatch.GetTimestamp() - _connectStarted);
            _metrics.StreamOpened();
            _opened.TrySetResult();

            return rest.Length == 0 || Process(rest);
        }

        if (!_chunked)
        {
            Lines(data);
            return true;
        }

        while (data.Length > 0)
        {
            switch (_chunkState)
            {
                case 0:
                    // The chunk-size line.
                    var newline = data.IndexOf((byte)'\n');
                    var part = newline < 0 ? data : data[..newline];
                    foreach (var b in part)
                    {
                        var digit = b switch
                        {
                            >= (byte)'0' and <= (byte)'9' => b - '0',
                            >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
                            >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
                            _ => -1,
                        };
                        if (digit >= 0 && _chunkState == 0)
                        {
                            _chunkRemaining = (_chunkRemaining * 16) + digit;
                        }
                    }

                    if (newline < 0)
                    {
                        return true;
                    }

                    data = data[(newline + 1)..];
                    if (_chunkRemaining == 0)
                    {
                        _metrics.StreamEnded();
                        return false;
                    }

                    _chunkState = 1;
                    break;
                case 1:
                    var take = (int)Math.Min(_chunkRemaining, data.Length);
                    Lines(data[..take]);
                    data = data[take..];
                    _chunkRemaining -= take;
                    if (_chunkRemaining == 0)
                    {
                        _chunkState = 2;
                    }

                    break;
                default:
                    // The CRLF after a chunk's data.
                    var end = data.IndexOf((byte)'\n');
                    if (end < 0)
                    {
                        return true;
                    }

                    data = data[(end + 1)..];
                    _chunkState = 0;
                    break;
            }
        }

        return true;
    }

    private void Lines(ReadOnlySpan<byte> data)
    {
        if (_carryLength > 0)
        {
            var newline = data.IndexOf((byte)'\n');
            if (newline < 0)
            {
                AppendCarry(data);
                return;
            }

            AppendCarry(data[..newline]);
            Line(_carry.AsSpan(0, _carryLength));
            _carryLength = 0;
            data = data[(newline + 1)..];
        }

        while (true)
        {
            var newline = data.IndexOf((byte)'\n');
            if (newline < 0)
            {
                if (data.Length > 0)
                {
                    AppendCarry(data);
                }

                return;
            }

            Line(data[..newline]);
            data = data[(newline + 1)..];
        }
    }

    private void Line(ReadOnlySpan<byte> line)
    {
        if (line.Length > 0 && line[^1] == '\r')
        {
            line = line[..^1];
        }

        if (line.IsEmpty)
        {
            // The end of a frame: its id (SseFormatter writes it after the data) is checked against the previous one.
            if (_pendingId > 0)
            {
                if (_previousId > 0 && _pendingId != _previousId + 1)
                {
                    _metrics.OutOfOrder();
                }

                _previousId = _pendingId;
                _pendingId = 0;
            }
        }
        else if (line.StartsWith("data:"u8))
        {
            var value = line[5..];
            if (value.Length > 0 && value[0] == ' ')
            {
                value = value[1..];
            }

            if (_kind == StreamKind.Sse)
            {
                Event(value);
            }
            else
            {
                SignalRMessages(value);
            }
        }
        else if (line.StartsWith("id:"u8) && _opaqueIds)
        {
            _metrics.IdLength(line[3..].TrimStart((byte)' ').Length);
        }
        else if (line.StartsWith("id:"u8))
        {
            var value = line[3..].TrimStart((byte)' ');
            if (!Utf8Parser.TryParse(value, out _pendingId, out _))
            {
                _metrics.Error("An event id is not a number.");
            }
        }
    }

    private void SignalRMessages(ReadOnlySpan<byte> data)
    {
        while (data.Length > 0)
        {
            var end = data.IndexOf((byte)0x1e);
            var message = end < 0 ? data : data[..end];
            data = end < 0 ? default : data[(end + 1)..];
            if (message.SequenceEqual("{}"u8))
            {
                HandshakeDone.TrySetResult();
            }
            else if (message.StartsWith("{\"type\":2"u8))
            {
                Event(message);
            }
            else if (message.StartsWith("{\"type\":3"u8) || message.StartsWith("{\"type\":7"u8))
            {
                _metrics.Error("SignalR ended the stream: " + Encoding.UTF8.GetString(message[..Math.Min(200, message.Length)]));
            }
            else if (message.StartsWith("{\"error\""u8))
            {
                _metrics.Error("SignalR handshake failed: " + Encoding.UTF8.GetString(message));
            }
        }
    }

    private void Event(ReadOnlySpan<byte> data)
    {
        var now = Stopwatch.GetTimestamp();
        Delivered++;
        _metrics.Delivered(now);

        if (Delivered == 1)
        {
            _metrics.FirstEvent.RecordTicks(now - _connectStarted);
        }

        if ((_metrics.RecordLatency && !Slow) || _ledger is not null)
        {
            var at = data.IndexOf(StampMarker);
            if (at < 0 || !Utf8Parser.TryParse(data[(at + StampMarker.Length)..], out long stamp, out _))
            {
                stamp = 0;
            }

            if (stamp > 0 && _metrics.RecordLatency && !Slow)
            {
                _metrics.Latency.RecordTicks(now - stamp);
            }

            _ledger?.Record(data, stamp);
        }

    }

    private void AppendCarry(ReadOnlySpan<byte> data)
    {
        if (_carry.Length - _carryLength < data.Length)
        {
            Array.Resize(ref _carry, Math.Max(Math.Max(256, _carry.Length * 2), _carryLength + data.Length));
        }

        data.CopyTo(_carry.AsSpan(_carryLength));
        _carryLength += data.Length;
    }
}
