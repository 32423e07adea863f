using System.Net;

namespace Iteration.Streaming.TestHost;

/// <summary>
/// One connection of a <see cref="MultiplexStreamReader"/>: the response, read frame by frame into the reader. Disposing
/// it before the server ended the body is a cut: the socket closes at once (the clients of <see cref="KestrelTestHost"/>
/// do not drain), as when a browser tab or a network drops.
/// </summary>
public sealed class MultiplexStreamConnection : IAsyncDisposable
{
    private readonly MultiplexStreamReader _reader;
    private readonly MultiplexSseParser _parser;
    private readonly byte[] _buffer = new byte[8192];
    private Stream? _body;
    private int _pendingStart;
    private int _pendingEnd;
    private bool _disposed;

    internal MultiplexStreamConnection(MultiplexStreamReader reader, HttpResponseMessage response, string? lastEventId)
    {
        _reader = reader;
        Response = response;
        _parser = new MultiplexSseParser(lastEventId);
    }

    /// <summary>The response (status, headers; its body is this connection's to read).</summary>
    public HttpResponseMessage Response { get; }

    /// <summary>The response's status.</summary>
    public HttpStatusCode StatusCode => Response.StatusCode;

    /// <summary>True once the server ended the body.</summary>
    public bool Ended { get; private set; }

    /// <summary>The bytes of the body read so far (up to the frame or byte where a read stopped).</summary>
    public long BytesRead { get; private set; }

    /// <summary>The events this connection delivered.</summary>
    public int EventsRead { get; private set; }

    /// <summary>
    /// Reads frames into the reader until <paramref name="stopAfter"/> holds for one (true then), the server ends the
    /// body or <paramref name="maxBytes"/> more bytes were read (false then). Bytes past the stopping frame stay for the
    /// next read.
    /// </summary>
    public async Task<bool> ReadUntilAsync(Func<MultiplexSseFrame, bool>? stopAfter, long maxBytes = long.MaxValue, CancellationToken cancellationToken = default)
    {
        if (StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"The stream answered {(int)StatusCode}, not 200: {await Response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}");
        }

        _body ??= await Response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var budget = maxBytes;
        while (!Ended && budget > 0)
        {
            if (_pendingStart == _pendingEnd)
            {
                var read = await _body.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    Ended = true;
                    break;
                }

                (_pendingStart, _pendingEnd) = (0, read);
            }

            var available = (int)Math.Min(_pendingEnd - _pendingStart, budget);
            var consumed = _parser.Parse(_buffer.AsSpan(_pendingStart, available), out var frame);
            _pendingStart += consumed;
            BytesRead += consumed;
            budget -= consumed;
            _reader.Commit(_parser.LastEventId);
            if (frame is not null)
            {
                _reader.Record(frame, _parser.ReconnectionMilliseconds);
                if (frame.Kind == MultiplexSseFrameKind.Event)
                {
                    EventsRead++;
                }

                if (stopAfter?.Invoke(frame) == true)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Reads up to the <paramref name="cut"/>'s point (or the end of the body).</summary>
    /// <returns>True when the server ended the body.</returns>
    public async Task<bool> ReadToAsync(MultiplexCut cut, CancellationToken cancellationToken = default)
    {
        var eventsBefore = EventsRead;
        await ReadUntilAsync(
            frame => (cut.Events is { } events && EventsRead - eventsBefore >= events)
                || (cut.StopWhenIdle && frame.Kind == MultiplexSseFrameKind.Comment && frame.Value == MultiplexStreamReader.Heartbeat),
            cut.Bytes ?? long.MaxValue,
            cancellationToken).ConfigureAwait(false);
        return Ended;
    }

    /// <summary>Reads until the server ends the body.</summary>
    public Task ReadToEndAsync(CancellationToken cancellationToken = default) => ReadUntilAsync(null, long.MaxValue, cancellationToken);

    /// <summary>Reads until an event satisfies <paramref name="done"/> (heartbeats and comments are recorded on the way).</summary>
    /// <returns>The event; throws when the body ends first.</returns>
    public async Task<MultiplexSseFrame> ReadEventAsync(Func<MultiplexSseFrame, bool> done, CancellationToken cancellationToken = default)
    {
        MultiplexSseFrame? found = null;
        var stopped = await ReadUntilAsync(
            frame =>
            {
                if (frame.Kind == MultiplexSseFrameKind.Event && done(frame))
                {
                    found = frame;
                    return true;
                }

                return false;
            },
            long.MaxValue,
            cancellationToken).ConfigureAwait(false);
        return stopped ? found! : throw new InvalidOperationException("The stream ended before the awaited event.");
    }

    /// <summary>Reads until a comment satisfies <paramref name="done"/>.</summary>
    /// <returns>The comment's text; throws when the body ends first.</returns>
    public async Task<string> ReadCommentAsync(Func<string, bool> done, CancellationToken cancellationToken = default)
    {
        string? found = null;
        var stopped = await ReadUntilAsync(
            frame =>
            {
                if (frame.Kind == MultiplexSseFrameKind.Comment && done(frame.Value))
                {
                    found = frame.Value;
                    return true;
                }

                return false;
            },
            long.MaxValue,
            cancellationToken).ConfigureAwait(false);
        return stopped ? found! : throw new InvalidOperationException("The stream ended before the awaited comment.");
    }

    /// <summary>Closes the connection; before the server ended the body, that is a cut (counted by the reader).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!Ended && StatusCode == HttpStatusCode.OK)
        {
            _reader.CountCut();
        }

        if (_body is not null)
        {
            await _body.DisposeAsync().ConfigureAwait(false);
        }

        Response.Dispose();
    }
}
