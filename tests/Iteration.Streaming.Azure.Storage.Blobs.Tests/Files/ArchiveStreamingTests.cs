using System.IO.Compression;
using System.Security.Cryptography;
using Iteration.Streaming.Azure.Storage.Blobs.Tests.Fixtures;
using Iteration.Streaming.Files;
using Iteration.Streaming.Hosting;
using static Iteration.Streaming.Azure.Storage.Blobs.Tests.Fixtures.BlobSinkHarness;

namespace Iteration.Streaming.Azure.Storage.Blobs.Tests.Files;

/// <summary>The zip of a large generation goes out entry by entry, straight from the blobs, never held whole.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ArchiveStreamingTests(AzuriteFixture azurite) : IDisposable
{
    private const int FileCount = 12;
    private const int FileSize = 1024 * 1024;
    private readonly string _zipPath = Path.Combine(Path.GetTempPath(), "iteration-streaming-archive-" + Guid.NewGuid().ToString("N") + ".zip");

    public void Dispose() => File.Delete(_zipPath);

    [Fact]
    public async Task WriteArchiveAsync_OfALargeGeneration_StreamsEntryByEntryToANonSeekableAsyncOnlyStream()
    {
        var harness = new BlobSinkHarness(azurite, new IterationStreamingOptions { MaxFileSize = FileSize });
        var files = Enumerable.Range(0, FileCount)
            .Select(i => new GeneratedFile { Path = $"data/file{i:D2}.bin", Content = RandomNumberGenerator.GetBytes(FileSize) })
            .ToArray();
        var id = await harness.CreatedAsync(files[..(FileCount / 2)]);
        await harness.Sink.SavePhaseAsync(id, 2, files[(FileCount / 2)..]);
        int DownloadsSoFar() => harness.Faults.Requests.Count(r => r.StartsWith("GET", StringComparison.Ordinal) && r.Contains("/content/", StringComparison.Ordinal));
        await using var destination = new RecordingStream(_zipPath, DownloadsSoFar);

        await harness.Sink.WriteArchiveAsync(id, destination);

        destination.DownloadsAtFirstWrite.Should().Be(1, "the zip starts going out while the first file is read, before the others are fetched");
        destination.LargestWrite.Should().BeLessThan(FileSize / 4, "no file, let alone the zip, is written in one piece");
        destination.Written.Should().BeGreaterThan((long)FileCount * FileSize);
        await destination.DisposeAsync();
        using var zip = ZipFile.OpenRead(_zipPath);
        zip.Entries.Should().HaveCount(FileCount);
        await using var entry = await zip.GetEntry("data/file07.bin")!.OpenAsync();
        Convert.ToHexStringLower(await SHA256.HashDataAsync(entry)).Should().Be(Convert.ToHexStringLower(SHA256.HashData(files[7].Content.Span)));
    }

    /// <summary>Plays a response body (write-only, not seekable, asynchronous only) and writes through to a file.</summary>
    private sealed class RecordingStream(string path, Func<int> downloadsSoFar) : Stream
    {
        private readonly FileStream _file = new(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 4096, useAsync: true);

        public int? DownloadsAtFirstWrite { get; private set; }

        public int LargestWrite { get; private set; }

        public long Written { get; private set; }

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
            DownloadsAtFirstWrite ??= downloadsSoFar();
            LargestWrite = Math.Max(LargestWrite, buffer.Length);
            Written += buffer.Length;
            await _file.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override Task FlushAsync(CancellationToken cancellationToken) => _file.FlushAsync(cancellationToken);

        public override void Flush() => throw new InvalidOperationException("Synchronous operations are disallowed.");

        public override void Write(byte[] buffer, int offset, int count) => throw new InvalidOperationException("Synchronous operations are disallowed.");

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override async ValueTask DisposeAsync()
        {
            await _file.DisposeAsync();
            await base.DisposeAsync();
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _file.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
