using System.Buffers;

namespace Iteration.Streaming.Files;

/// <summary>
/// Sits between <see cref="System.IO.Compression.ZipArchive"/> and a destination that refuses synchronous writes (an
/// HTTP response body): asynchronous writes pass through; the few synchronous ones the zip still makes (the final
/// deflate block when an entry closes) are held and written asynchronously before the next write.
/// </summary>
/// <remarks>Held bytes are bounded by one entry's closing block or the central directory, never a whole file.</remarks>
internal sealed class AsyncWriteBuffer(Stream destination) : Stream
{
    private readonly ArrayBufferWriter<byte> _pending = new();

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>Writes what synchronous calls left behind.</summary>
    public async ValueTask DrainAsync(CancellationToken cancellationToken)
    {
        if (_pending.WrittenCount > 0)
        {
            await destination.WriteAsync(_pending.WrittenMemory, cancellationToken).ConfigureAwait(false);
            _pending.ResetWrittenCount();
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer) => _pending.Write(buffer);

    public override void WriteByte(byte value) => _pending.Write([value]);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await DrainAsync(cancellationToken).ConfigureAwait(false);
        await destination.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    // Flushing is the caller's business once the zip is written; a synchronous flush must not reach the destination.
    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => DrainAsync(cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
