using System.IO.Compression;
using Iteration.Streaming.Contracts;

namespace Iteration.Streaming.Files;

/// <summary>
/// Writes a manifest's files as a zip, one entry at a time and asynchronously, so the destination may be a
/// non-seekable response body that refuses synchronous writes. Memory holds one copy buffer, not the zip.
/// </summary>
internal static class ZipArchiveWriter
{
    public static async ValueTask WriteAsync(
        FileManifest manifest,
        Func<GenerationFile, CancellationToken, ValueTask<Stream?>> open,
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
            foreach (var file in manifest.Files)
            {
                var source = await open(file, cancellationToken).ConfigureAwait(false);
                if (source is null)
                {
                    // Gone since the manifest was read (the generation moved on): leave it out rather than fail the zip.
                    continue;
                }

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
