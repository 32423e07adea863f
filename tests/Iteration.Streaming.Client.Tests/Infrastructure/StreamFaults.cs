using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Iteration.Streaming.Client.Tests.Infrastructure;

/// <summary>
/// A middleware for the test host that breaks stream requests from the server's side, as a network or a proxy would:
/// ends the stream or resets the connection after some bytes (mid-frame included), freezes it, or answers an error
/// status.
/// <see cref="Plan"/> decides per stream request (numbered from 1).
/// </summary>
public sealed class StreamFaults
{
    private readonly ConcurrentDictionary<int, TaskCompletionSource> _requestSeen = new();
    private int _requests;
    private int _cuts;
    private int _midFrameCuts;
    private int _freezes;

    /// <summary>Decides what happens to stream request number n; <see langword="null"/> lets it through.</summary>
    public Func<int, StreamFault?> Plan { get; set; } = _ => null;

    public int StreamRequests => Volatile.Read(ref _requests);

    /// <summary>Ends and aborts: the stream was cut.</summary>
    public int Cuts => Volatile.Read(ref _cuts);

    /// <summary>Cuts that fell inside an SSE frame (the bytes sent did not end with a blank line).</summary>
    public int MidFrameCuts => Volatile.Read(ref _midFrameCuts);

    public int Freezes => Volatile.Read(ref _freezes);

    /// <summary>The <c>Last-Event-ID</c> header of each stream request, in order ("" when absent).</summary>
    public ConcurrentQueue<string> LastEventIds { get; } = new();

    /// <summary>Completes when the server has received stream request number <paramref name="n"/>.</summary>
    public Task WaitForStreamRequestAsync(int n) => Seen(n).Task.WithPatience();

    /// <summary>Adds the middleware, then <c>MapIterationStream()</c>.</summary>
    public void MapWithFaults(WebApplication app)
    {
        app.Use(InvokeAsync);
        app.MapIterationStream();
    }

    private TaskCompletionSource Seen(int n) => _requestSeen.GetOrAdd(n, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    private async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (!HttpMethods.IsGet(context.Request.Method) || context.Request.Path.Value?.EndsWith("/stream", StringComparison.Ordinal) != true)
        {
            await next(context);
            return;
        }

        var n = Interlocked.Increment(ref _requests);
        LastEventIds.Enqueue(context.Request.Headers["Last-Event-ID"].ToString());
        Seen(n).TrySetResult();
        switch (Plan(n))
        {
            case null:
                await next(context);
                return;
            case StreamFault.Status status:
                context.Response.StatusCode = status.StatusCode;
                if (status.RetryAfter is { } retryAfter)
                {
                    context.Response.Headers.RetryAfter = ((int)retryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                await Results.Problem(detail: "Injected by the test.", statusCode: status.StatusCode).ExecuteAsync(context);
                return;
            case StreamFault.EndAfter end:
                await RunFaultyAsync(context, next, end);
                return;
            case StreamFault.AbortAfter abort:
                await RunFaultyAsync(context, next, abort);
                return;
            case StreamFault.FreezeAfter freeze:
                await RunFaultyAsync(context, next, freeze);
                return;
        }
    }

    private async Task RunFaultyAsync(HttpContext context, RequestDelegate next, StreamFault fault)
    {
        var original = context.Response.Body;
        context.Response.Body = new FaultyBodyStream(original, context, fault, this);
        try
        {
            await next(context);
        }
        catch (StreamEndedByTestException)
        {
            // Returning normally lets Kestrel end the response cleanly right after the bytes sent.
        }
        catch (Exception) when (context.RequestAborted.IsCancellationRequested)
        {
            // The connection is gone, as intended.
        }
        finally
        {
            context.Response.Body = original;
        }
    }

    private sealed class StreamEndedByTestException() : IOException("The test ended the stream.");

    private sealed class FaultyBodyStream(Stream inner, HttpContext context, StreamFault fault, StreamFaults owner) : Stream
    {
        private readonly long _limit = fault switch
        {
            StreamFault.EndAfter end => end.Bytes,
            StreamFault.AbortAfter abort => abort.Bytes,
            StreamFault.FreezeAfter freeze => freeze.Bytes,
            _ => throw new ArgumentOutOfRangeException(nameof(fault)),
        };

        private long _written;
        private bool _tripped;
        private byte _last;
        private byte _beforeLast;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!_tripped && _written + buffer.Length <= _limit)
            {
                await inner.WriteAsync(buffer, cancellationToken);
                Track(buffer.Span);
                return;
            }

            if (!_tripped)
            {
                _tripped = true;
                var part = buffer[..(int)(_limit - _written)];
                await inner.WriteAsync(part, cancellationToken);
                await inner.FlushAsync(cancellationToken);
                Track(part.Span);
                if (fault is StreamFault.FreezeAfter)
                {
                    Interlocked.Increment(ref owner._freezes);
                }
                else
                {
                    Interlocked.Increment(ref owner._cuts);
                    if (!(_last == '\n' && _beforeLast == '\n'))
                    {
                        Interlocked.Increment(ref owner._midFrameCuts);
                    }
                }
            }

            switch (fault)
            {
                case StreamFault.FreezeAfter:
                    // Silence, connection open, until the client gives up on it.
                    await Task.Delay(Timeout.Infinite, context.RequestAborted);
                    throw new OperationCanceledException(context.RequestAborted);
                case StreamFault.AbortAfter:
                    context.Abort();
                    throw new IOException("The test reset the connection.");
                default:
                    throw new StreamEndedByTestException();
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override Task FlushAsync(CancellationToken cancellationToken) =>
            _tripped ? Task.CompletedTask : inner.FlushAsync(cancellationToken);

        public override void Flush() => throw new InvalidOperationException("Synchronous operations are disallowed.");

        public override void Write(byte[] buffer, int offset, int count) => throw new InvalidOperationException("Synchronous operations are disallowed.");

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        private void Track(ReadOnlySpan<byte> written)
        {
            _written += written.Length;
            foreach (var b in written)
            {
                (_beforeLast, _last) = (_last, b);
            }
        }
    }
}
