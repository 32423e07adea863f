using System.Text.Json;

namespace Iteration.Streaming.Files;

/// <summary>Reads and writes a generation's <c>manifest.json</c>; what it reads is checked before it is trusted.</summary>
internal static class ManifestFile
{
    public const string FileName = "manifest.json";

    /// <summary>Reads the manifest at <paramref name="path"/>, or returns <see langword="null"/> when there is none.</summary>
    /// <exception cref="InvalidDataException">The manifest is not valid JSON, belongs to another generation or is malformed.</exception>
    public static async ValueTask<StoredManifest?> ReadAsync(string path, string generationId, CancellationToken cancellationToken)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, AtomicFile.BufferSize, FileOptions.Asynchronous);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        StoredManifest? stored;
        await using (stream.ConfigureAwait(false))
        {
            try
            {
                stored = await JsonSerializer.DeserializeAsync(stream, FileSinkJsonContext.Default.StoredManifest, cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"The manifest of generation '{generationId}' is not valid JSON.", ex);
            }
        }

        // A manifest is ours to trust only when it is well formed: its hashes become content file names and its paths
        // zip entry names, and reads look paths up by binary search.
        if (stored is null
            || !string.Equals(stored.GenerationId, generationId, StringComparison.Ordinal)
            || !FileManifestChanges.IsWellFormed(stored.Files)
            || (stored.History is not null && (!FileHistory.IsWellFormed(stored.History) || stored.StartPhase < 0)))
        {
            throw new InvalidDataException($"The manifest of generation '{generationId}' is malformed.");
        }

        return stored;
    }

    public static ValueTask WriteAsync(string tempFolder, string path, StoredManifest manifest, Action<string> crashPoint, CancellationToken cancellationToken) =>
        AtomicFile.WriteAsync(tempFolder, path, JsonSerializer.SerializeToUtf8Bytes(manifest, FileSinkJsonContext.Default.StoredManifest), crashPoint, cancellationToken);
}
