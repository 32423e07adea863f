namespace Iteration.Streaming.Client.Watching;

/// <summary>
/// A read-only pass-through stream that cancels <paramref name="deadline"/> when one read waits longer than the stall
/// timeout for bytes, so a connection that goes silent (no events, no heartbeat comments) is given up.
/// </summary>
/// <remarks>
/// The deadline runs only while a read is pending: a consumer that takes its time between events is not a stall.
/// </remarks>
internal sealed class StallGuardStream(Stream inner, CancellationTokenSource deadline, TimeSpan stallTimeout) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        deadline.CancelAfter(stallTimeout);
        try
        {
            return await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (!deadline.IsCancellationRequested)
            {
                deadline.CancelAfter(Timeout.InfiniteTimeSpan);
            }
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("The stall guard is read asynchronously only.");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
