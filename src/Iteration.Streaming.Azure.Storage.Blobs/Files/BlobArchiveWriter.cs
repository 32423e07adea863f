using System.IO.Compression;
using Iteration.Streaming.Contracts;

namespace Iteration.Streaming.Azure.Storage.Blobs.Files;

/// <summary>
/// Writes a manifest's files as a zip, one entry at a time and asynchronously, each entry copied straight from its blob's
/// download stream, so the destination may be a non-seekable response body that refuses synchronous writes. Memory
/// holds one copy buffer, not the zip and not a whole file.
/// </summary>
/// <remarks>
/// Unlike the core's writer, a listed file that cannot be opened fails the zip instead of being left out: the manifest
/// is read once and content is never removed while a manifest lists it, so a missing blob is damage to report.
/// </remarks>
internal static class BlobArchiveWriter
{
    public static async ValueTask WriteAsync(
        IReadOnlyList<GenerationFile> files,
        Func<GenerationFile, CancellationToken, ValueTask<Stream>> open,
        Stream destination,
        DateTimeOffset lastWriteTime,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (!destination.CanWrite)
        {
            throw new ArgumentException("The archive destination must be writable.", nameof(destination));
        }

        var output = new AsyncWriteBuffer(destination);
        var archive = await ZipArchive.CreateAsync(output, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: null, cancellationToken)
            .ConfigureAwait(false);
        await using (archive.ConfigureAwait(false))
        {
            foreach (var file in files)
            {
                var source = await open(file, cancellationToken).ConfigureAwait(false);
                await using (source.ConfigureAwait(false))
                {
                    var entry = archive.CreateEntry(file.Path, CompressionLevel.Optimal);
                    entry.LastWriteTime = lastWriteTime;
                    var target = await entry.OpenAsync(cancellationToken).ConfigureAwait(false);
                    await using (target.ConfigureAwait(false))
                    {
                        await source.CopyToAsync(target, cancellationToken).ConfigureAwait(false);
                    }

                    await output.DrainAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }

        await output.DrainAsync(cancellationToken).ConfigureAwait(false);
        await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
