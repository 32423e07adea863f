using System.Text;

namespace Iteration.Streaming.Files;

/// <summary>
/// The hashes of every content a generation wrote or carried from its parent or source, appended (and flushed to disk)
/// before the content is referenced or written. A phase that never got its manifest leaves content no manifest names,
/// and a carried file replaced after its source was deleted leaves content no one else records: the journal is how a
/// sweep finds both.
/// </summary>
/// <remarks>One hash a line. A line cut short by a crash is ignored, and every batch starts on a fresh line.</remarks>
internal static class ContentJournal
{
    public const string FileName = "content.journal";

    public static async ValueTask AppendAsync(string path, IEnumerable<string> hashes, CancellationToken cancellationToken)
    {
        var text = new StringBuilder("\n");
        foreach (var hash in hashes)
        {
            text.Append(hash).Append('\n');
        }

        var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read | FileShare.Delete, AtomicFile.BufferSize, FileOptions.Asynchronous);
        await using (stream.ConfigureAwait(false))
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(text.ToString()), cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }
    }

    /// <summary>The well-formed hashes of the journal; none when there is no journal.</summary>
    public static async ValueTask<HashSet<string>> ReadAsync(string path, CancellationToken cancellationToken)
    {
        var hashes = new HashSet<string>(StringComparer.Ordinal);
        string text;
        try
        {
            text = await File.ReadAllTextAsync(path, Encoding.ASCII, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return hashes;
        }

        foreach (var line in text.Split('\n'))
        {
            if (FileManifestChanges.IsSha256(line))
            {
                hashes.Add(line);
            }
        }

        return hashes;
    }
}
