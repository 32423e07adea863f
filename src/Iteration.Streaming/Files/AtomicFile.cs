using System.Security.Cryptography;

namespace Iteration.Streaming.Files;

/// <summary>
/// Writes a file so that it is either absent or whole: into a temp file, flushed to disk, then renamed into place.
/// Temp files live in the writing generation's <c>tmp/</c> folder, on the same volume as every target.
/// </summary>
internal static class AtomicFile
{
    public const int BufferSize = 81_920;

    public static async ValueTask WriteAsync(string tempFolder, string target, ReadOnlyMemory<byte> content, Action<string> crashPoint, CancellationToken cancellationToken)
    {
        var temp = NewTempPath(tempFolder);
        try
        {
            var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            crashPoint("before-rename:" + Path.GetFileName(target));
            File.Move(temp, target, overwrite: true);
        }
        finally
        {
            TryDelete(temp);
        }
    }

    /// <summary>Copies <paramref name="source"/> into place when its SHA-256 is <paramref name="sha256"/>; returns the problem otherwise.</summary>
    public static async ValueTask<string?> CopyVerifiedAsync(Stream source, string tempFolder, string target, string sha256, CancellationToken cancellationToken)
    {
        var temp = NewTempPath(tempFolder);
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                var buffer = new byte[BufferSize];
                int read;
                while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }

                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            if (!string.Equals(Convert.ToHexStringLower(hash.GetHashAndReset()), sha256, StringComparison.Ordinal))
            {
                return "its content does not match the manifest's SHA-256";
            }

            File.Move(temp, target, overwrite: true);
            return null;
        }
        finally
        {
            TryDelete(temp);
        }
    }

    public static FileStream? TryOpenRead(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Deletes a file, best effort: a leftover is never listed, so it is harmless.</summary>
    public static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string NewTempPath(string tempFolder) => Path.Join(tempFolder, Guid.NewGuid().ToString("N") + ".tmp");
}
