using System.Security.Cryptography;
using System.Text.Json;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Diagnostics;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Files;

/// <summary>
/// Saves each generation under <c>{root}/{generationId}/</c>: contents as <c>blobs/{sha256}</c>, the list of paths in
/// <c>manifest.json</c>. Every blob and every manifest is written to <c>tmp/</c>, flushed to disk and renamed into place,
/// and a manifest only names blobs already in place, so after a crash at any point the manifest and files agree.
/// </summary>
/// <remarks>
/// Storing by content hash means a generated path never becomes a file-system path (nothing can escape the folder),
/// an overwritten file keeps its old blob until the manifest no longer names it, and iterations copy blobs verbatim.
/// Blobs no longer listed are removed when the generation completes. One writer per generation (the engine's run).
/// </remarks>
internal sealed class FileSystemFileSink : IFileSink
{
    private const string ManifestFileName = "manifest.json";
    private const string BlobsFolder = "blobs";
    private const string TempFolder = "tmp";
    private const int BufferSize = 81_920;

    // Paths were checked against MaxPathLength when written; a later, smaller limit must not hide saved files.
    private const int ManifestPathLimit = 4_096;

    private readonly IOptionsMonitor<IterationStreamingOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public FileSystemFileSink(
        IOptionsMonitor<IterationStreamingOptions> options,
        TimeProvider timeProvider,
        ILogger<FileSystemFileSink>? logger = null,
        string? root = null)
    {
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        Root = Path.GetFullPath(root ?? options.CurrentValue.FileSinkRoot);
    }

    /// <summary>The absolute root folder.</summary>
    public string Root { get; }

    /// <summary>Test seam: called at each step where a crash could leave files behind; throwing simulates the crash.</summary>
    internal Action<string>? CrashPoint { get; set; }

    public async ValueTask CreateAsync(string generationId, string? parentGenerationId, CancellationToken cancellationToken = default)
    {
        GenerationStorageId.ThrowIfInvalid(generationId, nameof(generationId));
        var folder = GenerationFolder(generationId);
        if (File.Exists(Path.Join(folder, ManifestFileName)))
        {
            throw new InvalidOperationException($"Files storage for generation '{generationId}' exists already.");
        }

        StoredManifest? parent = null;
        if (parentGenerationId is not null)
        {
            parent = (GenerationStorageId.IsValid(parentGenerationId) ? await ReadAsync(parentGenerationId, cancellationToken).ConfigureAwait(false) : null)
                ?? throw new GenerationNotFoundException(parentGenerationId);
        }

        Directory.CreateDirectory(Path.Join(folder, BlobsFolder));
        Directory.CreateDirectory(Path.Join(folder, TempFolder));

        var files = new List<GenerationFile>(parent?.Files.Count ?? 0);
        if (parent is not null)
        {
            var parentFolder = GenerationFolder(parent.GenerationId);
            foreach (var file in parent.Files)
            {
                var problem = await CopyBlobAsync(parentFolder, folder, file, cancellationToken).ConfigureAwait(false);
                if (problem is null)
                {
                    files.Add(file with { Phase = 0 });
                }
                else
                {
                    // Validation of the iteration names the file as missing; the run itself goes on.
                    Log.ParentFileNotCarried(_logger, generationId, parent.GenerationId, file.Path, problem);
                }
            }
        }

        await WriteManifestAsync(folder, new StoredManifest { GenerationId = generationId, ParentGenerationId = parentGenerationId, Files = files }, cancellationToken)
            .ConfigureAwait(false);
    }

    public ValueTask CreateFromAsync(string generationId, string sourceGenerationId, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("Not yet.");

    public ValueTask<bool> DeleteAsync(string generationId, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("Not yet.");

    public async ValueTask<FileManifest> SavePhaseAsync(string generationId, int phase, IReadOnlyList<GeneratedFile> files, CancellationToken cancellationToken = default)
    {
        var stored = await ReadExistingAsync(generationId, cancellationToken).ConfigureAwait(false);
        ThrowIfComplete(stored);
        var changes = PhaseChanges.Compute(stored.Files, phase, files, FileSinkLimits.From(_options.CurrentValue));

        var folder = GenerationFolder(generationId);
        foreach (var (entry, content) in changes.Writes)
        {
            await WriteBlobAsync(folder, entry.Sha256, content, cancellationToken).ConfigureAwait(false);
        }

        CrashPoint?.Invoke("before-manifest");
        var updated = stored with { Files = changes.Files };
        await WriteManifestAsync(folder, updated, cancellationToken).ConfigureAwait(false);
        CrashPoint?.Invoke("after-manifest");
        return updated.ToManifest();
    }

    public async ValueTask CompleteAsync(string generationId, CancellationToken cancellationToken = default)
    {
        var stored = await ReadExistingAsync(generationId, cancellationToken).ConfigureAwait(false);
        if (stored.IsComplete)
        {
            return;
        }

        var folder = GenerationFolder(generationId);
        await WriteManifestAsync(folder, stored with { IsComplete = true }, cancellationToken).ConfigureAwait(false);
        RemoveUnlistedBlobs(folder, stored);
    }

    public async ValueTask<FileManifest?> GetManifestAsync(string generationId, CancellationToken cancellationToken = default) =>
        GenerationStorageId.IsValid(generationId)
            ? (await ReadAsync(generationId, cancellationToken).ConfigureAwait(false))?.ToManifest()
            : null;

    public async ValueTask<Stream?> OpenReadAsync(string generationId, string path, CancellationToken cancellationToken = default)
    {
        if (path is null || !GenerationStorageId.IsValid(generationId))
        {
            return null;
        }

        // Twice: a blob may be removed between reading the manifest and opening it when the generation completes.
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var stored = await ReadAsync(generationId, cancellationToken).ConfigureAwait(false);
            var file = stored is null ? null : Find(stored.Files, path);
            if (file is null)
            {
                return null;
            }

            var stream = TryOpenBlob(GenerationFolder(generationId), file.Sha256);
            if (stream is not null)
            {
                return stream;
            }
        }

        return null;
    }

    public async ValueTask WriteArchiveAsync(string generationId, Stream destination, CancellationToken cancellationToken = default)
    {
        var stored = (GenerationStorageId.IsValid(generationId) ? await ReadAsync(generationId, cancellationToken).ConfigureAwait(false) : null)
            ?? throw new GenerationNotFoundException(generationId ?? string.Empty);
        var folder = GenerationFolder(generationId);
        await ZipArchiveWriter.WriteAsync(
            stored.ToManifest(),
            async (file, ct) => TryOpenBlob(folder, file.Sha256) ?? await OpenReadAsync(generationId, file.Path, ct).ConfigureAwait(false),
            destination,
            _timeProvider.GetUtcNow(),
            cancellationToken).ConfigureAwait(false);
    }

    private static GenerationFile? Find(IReadOnlyList<GenerationFile> files, string path)
    {
        int lo = 0, hi = files.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var order = string.CompareOrdinal(files[mid].Path, path);
            if (order == 0)
            {
                return files[mid];
            }

            if (order < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return null;
    }

    private static void ThrowIfComplete(StoredManifest stored)
    {
        if (stored.IsComplete)
        {
            throw new InvalidOperationException($"The files of generation '{stored.GenerationId}' are complete; nothing more can be saved.");
        }
    }

    private static FileStream? TryOpenBlob(string folder, string sha256)
    {
        try
        {
            return new FileStream(
                Path.Join(folder, BlobsFolder, sha256),
                FileMode.Open,
                FileAccess.Read,
                FileShare.ReadWrite | FileShare.Delete,
                BufferSize,
                FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private static bool IsSha256(string? value)
    {
        if (value is not { Length: 64 })
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private string GenerationFolder(string generationId) => Path.Join(Root, generationId);

    private async ValueTask<StoredManifest> ReadExistingAsync(string generationId, CancellationToken cancellationToken) =>
        (GenerationStorageId.IsValid(generationId) ? await ReadAsync(generationId, cancellationToken).ConfigureAwait(false) : null)
            ?? throw new GenerationNotFoundException(generationId ?? string.Empty);

    private async ValueTask<StoredManifest?> ReadAsync(string generationId, CancellationToken cancellationToken)
    {
        FileStream stream;
        var path = Path.Join(GenerationFolder(generationId), ManifestFileName);
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, BufferSize, FileOptions.Asynchronous);
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

        // A manifest is ours to trust only when it is well formed: its hashes become blob file names and its paths
        // zip entry names, and reads look paths up by binary search.
        if (stored is null
            || !string.Equals(stored.GenerationId, generationId, StringComparison.Ordinal)
            || stored.Files is null
            || !IsWellFormed(stored.Files))
        {
            throw new InvalidDataException($"The manifest of generation '{generationId}' is malformed.");
        }

        return stored;
    }

    private static bool IsWellFormed(IReadOnlyList<GenerationFile> files)
    {
        for (var i = 0; i < files.Count; i++)
        {
            var file = files[i];
            if (file is null
                || !IsSha256(file.Sha256)
                || file.Size < 0
                || FilePathValidator.FindProblem(file.Path, ManifestPathLimit) is not null
                || (i > 0 && string.CompareOrdinal(files[i - 1].Path, file.Path) >= 0))
            {
                return false;
            }
        }

        return true;
    }

    private async ValueTask WriteManifestAsync(string folder, StoredManifest manifest, CancellationToken cancellationToken)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(manifest, FileSinkJsonContext.Default.StoredManifest);
        await WriteAtomicallyAsync(folder, Path.Join(folder, ManifestFileName), bytes, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask WriteBlobAsync(string folder, string sha256, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var target = Path.Join(folder, BlobsFolder, sha256);
        if (!File.Exists(target))
        {
            await WriteAtomicallyAsync(folder, target, content, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask WriteAtomicallyAsync(string folder, string target, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var temp = Path.Join(folder, TempFolder, Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            CrashPoint?.Invoke("before-rename:" + Path.GetFileName(target));
            File.Move(temp, target, overwrite: true);
        }
        finally
        {
            TryDelete(temp);
        }
    }

    private static async ValueTask<string?> CopyBlobAsync(string sourceFolder, string targetFolder, GenerationFile file, CancellationToken cancellationToken)
    {
        var target = Path.Join(targetFolder, BlobsFolder, file.Sha256);
        if (File.Exists(target))
        {
            return null;
        }

        var source = TryOpenBlob(sourceFolder, file.Sha256);
        if (source is null)
        {
            return "its content is missing";
        }

        var temp = Path.Join(targetFolder, TempFolder, Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            await using (source.ConfigureAwait(false))
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

                if (!string.Equals(Convert.ToHexStringLower(hash.GetHashAndReset()), file.Sha256, StringComparison.Ordinal))
                {
                    return "its content does not match the manifest's SHA-256";
                }
            }

            File.Move(temp, target, overwrite: true);
            return null;
        }
        finally
        {
            TryDelete(temp);
        }
    }

    private void RemoveUnlistedBlobs(string folder, StoredManifest stored)
    {
        var listed = stored.Files.Select(static f => f.Sha256).ToHashSet(StringComparer.Ordinal);
        try
        {
            foreach (var blob in Directory.EnumerateFiles(Path.Join(folder, BlobsFolder)))
            {
                if (!listed.Contains(Path.GetFileName(blob)))
                {
                    TryDelete(blob);
                }
            }

            foreach (var temp in Directory.EnumerateFiles(Path.Join(folder, TempFolder)))
            {
                TryDelete(temp);
            }
        }
        catch (IOException ex)
        {
            Log.FileCleanupFailed(_logger, stored.GenerationId, ex);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp file or blob is never listed, so it is harmless.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
