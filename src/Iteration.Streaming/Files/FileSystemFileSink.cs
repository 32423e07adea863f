using System.Collections.Concurrent;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Diagnostics;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Files;

/// <summary>
/// Saves each generation's list of paths in <c>{root}/{generationId}/manifest.json</c> and every content once, shared by
/// all generations, in <c>{root}/.content/{sha[0..2]}/{sha256}</c>. Every content and every manifest is written to the
/// generation's <c>tmp/</c>, flushed to disk and renamed into place, and a manifest only names content already in
/// place, so after a crash at any point the manifest and files agree.
/// </summary>
/// <remarks>
/// <para>
/// Storing by content hash means a generated path never becomes a file-system path (nothing can escape the root), an
/// overwritten file keeps its old content until no manifest names it, and iterations and retries reference their
/// source's content instead of copying it. Before a phase writes content (and before an iteration or retry carries its
/// source's files) it appends the hashes to the generation's <c>content.journal</c>, so content of a phase that never
/// got its manifest (a crash, a failure), or carried content replaced after its source was deleted, can be found again.
/// </para>
/// <para>
/// Cleanup: <see cref="CompleteAsync"/> sweeps the generation's journal (content it wrote that no manifest names) and
/// empties its <c>tmp/</c>; <see cref="CreateFromAsync"/> sweeps the journal of the retried generation;
/// <see cref="DeleteAsync"/> moves the folder to <c>.deleted/</c> (the generation is gone at once) and sweeps its
/// content, finishing any delete a crash cut short. A sweep never deletes content a manifest names or a save or create
/// of this instance is about to list. Generations saved by wave 1 (<c>{root}/{id}/blobs/</c>) stay readable; an
/// iteration or retry of one imports its content into the shared store.
/// </para>
/// <para>
/// One writer per generation (its run), and one sink instance per root in a process. Several processes may read a
/// root; when several write it, a sweep in one cannot see the saves in progress in another.
/// </para>
/// </remarks>
internal sealed class FileSystemFileSink : IFileSink, IDisposable
{
    private const string LegacyBlobsFolder = "blobs";
    private const string TempFolderName = "tmp";
    private const int NamedContentCacheSize = 1_024;

    private readonly IOptionsMonitor<IterationStreamingOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly FileSystemContentStore _store;
    private readonly ContentSweeper _sweeper;
    private readonly ConcurrentDictionary<string, NamedContent> _named = new(StringComparer.Ordinal);

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
        _store = new FileSystemContentStore(Root, Crash);
        _sweeper = new ContentSweeper(Root, _store, _logger, Crash);
    }

    /// <summary>The absolute root folder.</summary>
    public string Root { get; }

    /// <summary>Test seam: called at each step where a crash could leave files behind; throwing simulates the crash.</summary>
    internal Action<string>? CrashPoint { get; set; }

    public void Dispose() => _sweeper.Dispose();

    public async ValueTask CreateAsync(string generationId, string? parentGenerationId, CancellationToken cancellationToken = default)
    {
        GenerationStorageId.ThrowIfInvalid(generationId, nameof(generationId));
        ThrowIfExists(generationId);
        var parent = parentGenerationId is null ? null : await ReadSourceAsync(parentGenerationId, cancellationToken).ConfigureAwait(false);

        await CreateWithFilesAsync(
            new StoredManifest { GenerationId = generationId, ParentGenerationId = parentGenerationId, Files = [] },
            parent,
            parent?.Files,
            keepPhases: false,
            cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask CreateFromAsync(string generationId, string sourceGenerationId, CancellationToken cancellationToken = default)
    {
        GenerationStorageId.ThrowIfInvalid(generationId, nameof(generationId));
        ArgumentNullException.ThrowIfNull(sourceGenerationId);
        ThrowIfExists(generationId);
        var source = await ReadSourceAsync(sourceGenerationId, cancellationToken).ConfigureAwait(false);

        // The source's whole history, started after its last phase: the retry's own saves come later.
        var history = source.ToHistory();
        await CreateWithFilesAsync(
            new StoredManifest { GenerationId = generationId, ParentGenerationId = source.ParentGenerationId, RetryOf = sourceGenerationId, Files = [] },
            source,
            source.Files,
            keepPhases: true,
            cancellationToken,
            new FileHistory(history.Entries, history.LastPhase)).ConfigureAwait(false);

        // The source ended (failed or cancelled): what its last phase wrote without getting a manifest is no one's now.
        await SweepJournalAsync(source, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask CreateForkAsync(string generationId, string sourceGenerationId, int throughPhase, CancellationToken cancellationToken = default)
    {
        GenerationStorageId.ThrowIfInvalid(generationId, nameof(generationId));
        ArgumentNullException.ThrowIfNull(sourceGenerationId);
        ThrowIfExists(generationId);
        var source = await ReadSourceAsync(sourceGenerationId, cancellationToken).ConfigureAwait(false);
        var history = source.ToHistory();
        var kept = throughPhase >= 1 ? history.StateAt(throughPhase) : null;
        if (kept is null)
        {
            throw new ArgumentOutOfRangeException(nameof(throughPhase), throughPhase, $"Generation '{sourceGenerationId}' has no saved state for phase {throughPhase}.");
        }

        await CreateWithFilesAsync(
            new StoredManifest { GenerationId = generationId, ParentGenerationId = source.ParentGenerationId, ForkedFrom = sourceGenerationId, Files = [] },
            source,
            kept,
            keepPhases: true,
            cancellationToken,
            history.Through(throughPhase)).ConfigureAwait(false);
    }

    public async ValueTask<FileHistory?> GetHistoryAsync(string generationId, CancellationToken cancellationToken = default) =>
        GenerationStorageId.IsValid(generationId)
            ? (await ReadAsync(generationId, cancellationToken).ConfigureAwait(false))?.ToHistory()
            : null;

    public async ValueTask<Stream?> OpenContentAsync(string generationId, GenerationFile file, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!GenerationStorageId.IsValid(generationId) || !FileManifestChanges.IsSha256(file.Sha256))
        {
            return null;
        }

        var named = await NamedContentAsync(generationId, cancellationToken).ConfigureAwait(false);
        return named is not null && named.Contains(file.Sha256)
            ? TryOpenContent(generationId, file.Sha256)
            : null;
    }

    /// <summary>
    /// The content hashes a generation's manifest names (files and history), parsed once per manifest version: a diff
    /// opens hundreds of files, and each open would otherwise parse the whole manifest.
    /// </summary>
    private async ValueTask<HashSet<string>?> NamedContentAsync(string generationId, CancellationToken cancellationToken)
    {
        // Stat before reading: a manifest replaced in between is cached under the older stat, so the next open reads it again.
        var info = new FileInfo(ManifestPath(generationId));
        if (!info.Exists)
        {
            _named.TryRemove(generationId, out _);
            return null;
        }

        if (_named.TryGetValue(generationId, out var cached) && cached.LastWriteTimeUtc == info.LastWriteTimeUtc && cached.Length == info.Length)
        {
            return cached.Hashes;
        }

        var stored = await ReadAsync(generationId, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return null;
        }

        var hashes = stored.ContentHashes().ToHashSet(StringComparer.Ordinal);
        if (_named.Count >= NamedContentCacheSize)
        {
            _named.Clear();
        }

        _named[generationId] = new NamedContent(info.LastWriteTimeUtc, info.Length, hashes);
        return hashes;
    }

    public async ValueTask<bool> DeleteAsync(string generationId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!GenerationStorageId.IsValid(generationId))
        {
            return false;
        }

        var folder = GenerationFolder(generationId);
        if (!Directory.Exists(folder))
        {
            return false;
        }

        // One rename makes the generation gone; the sweep removes its content and folder, or the next one does after a crash.
        Directory.CreateDirectory(_sweeper.DeletedFolder);
        try
        {
            Directory.Move(folder, Path.Join(_sweeper.DeletedFolder, generationId + "." + Guid.NewGuid().ToString("N")));
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }
        finally
        {
            _sweeper.Forget(generationId);
            _named.TryRemove(generationId, out _);
        }

        Crash("after-delete-move");
        Log.FilesDeleted(_logger, generationId);
        await _sweeper.SweepAsync([], CancellationToken.None).ConfigureAwait(false);
        return true;
    }

    public async ValueTask<FileManifest> SavePhaseAsync(string generationId, int phase, IReadOnlyList<GeneratedFile> files, CancellationToken cancellationToken = default)
    {
        var stored = await ReadExistingAsync(generationId, cancellationToken).ConfigureAwait(false);
        ThrowIfComplete(stored);
        var changes = FileManifestChanges.Compute(stored.Files, phase, files, _options.CurrentValue);

        var folder = GenerationFolder(generationId);
        var temp = Directory.CreateDirectory(Path.Join(folder, TempFolderName)).FullName;
        if (changes.Contents.Count > 0)
        {
            // Journalled before referenced: a sweep that refuses a hash this save holds leaves it recorded here.
            await ContentJournal.AppendAsync(Path.Join(folder, ContentJournal.FileName), changes.Contents.Keys, cancellationToken).ConfigureAwait(false);
            Crash("after-journal");
        }

        using (_store.Reference(changes.Contents.Keys))
        {
            foreach (var (sha256, content) in changes.Contents)
            {
                await _store.WriteAsync(temp, sha256, content, cancellationToken).ConfigureAwait(false);
            }

            Crash("before-manifest");
            var history = stored.ToHistory().Append(phase, stored.Files, changes.Files);
            var updated = stored with { Files = changes.Files, History = history.Entries, StartPhase = history.StartPhase };
            await WriteManifestAsync(updated, cancellationToken).ConfigureAwait(false);
            Crash("after-manifest");
            return updated.ToManifest();
        }
    }

    public async ValueTask CompleteAsync(string generationId, CancellationToken cancellationToken = default)
    {
        var stored = await ReadExistingAsync(generationId, cancellationToken).ConfigureAwait(false);
        if (!stored.IsComplete)
        {
            stored = stored with { IsComplete = true };
            await WriteManifestAsync(stored, cancellationToken).ConfigureAwait(false);
            Crash("after-complete-manifest");
        }

        // Also when a crash cut the cleanup short: the journal stays until its content is swept.
        var folder = GenerationFolder(generationId);
        if (await SweepJournalAsync(stored, cancellationToken).ConfigureAwait(false))
        {
            AtomicFile.TryDelete(Path.Join(folder, ContentJournal.FileName));
        }

        RemoveTempFiles(folder);
        RemoveUnlistedLegacyBlobs(folder, stored);
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

        // Twice: content may be swept between reading the manifest and opening it when a later phase replaced it.
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var stored = await ReadAsync(generationId, cancellationToken).ConfigureAwait(false);
            var file = stored is null ? null : ManifestLookup.Find(stored.Files, path);
            if (file is null)
            {
                return null;
            }

            var stream = TryOpenContent(generationId, file.Sha256);
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
        await ZipArchiveWriter.WriteAsync(
            stored.ToManifest(),
            async (file, ct) => TryOpenContent(generationId, file.Sha256) ?? await OpenReadAsync(generationId, file.Path, ct).ConfigureAwait(false),
            destination,
            _timeProvider.GetUtcNow(),
            cancellationToken).ConfigureAwait(false);
    }

    private static void ThrowIfComplete(StoredManifest stored)
    {
        if (stored.IsComplete)
        {
            throw new InvalidOperationException($"The files of generation '{stored.GenerationId}' are complete; nothing more can be saved.");
        }
    }

    private void Crash(string step) => CrashPoint?.Invoke(step);

    private string GenerationFolder(string generationId) => Path.Join(Root, generationId);

    private string ManifestPath(string generationId) => Path.Join(Root, generationId, ManifestFile.FileName);

    private void ThrowIfExists(string generationId)
    {
        if (File.Exists(ManifestPath(generationId)))
        {
            throw new InvalidOperationException($"Files storage for generation '{generationId}' exists already.");
        }
    }

    /// <summary>Opens content from the shared store, or from the generation's own wave-1 <c>blobs/</c> folder.</summary>
    private FileStream? TryOpenContent(string generationId, string sha256) =>
        _store.TryOpen(sha256) ?? AtomicFile.TryOpenRead(Path.Join(GenerationFolder(generationId), LegacyBlobsFolder, sha256));

    private async ValueTask<StoredManifest> ReadSourceAsync(string sourceGenerationId, CancellationToken cancellationToken) =>
        (GenerationStorageId.IsValid(sourceGenerationId) ? await ReadAsync(sourceGenerationId, cancellationToken).ConfigureAwait(false) : null)
            ?? throw new GenerationNotFoundException(sourceGenerationId);

    private async ValueTask<StoredManifest> ReadExistingAsync(string generationId, CancellationToken cancellationToken) =>
        (GenerationStorageId.IsValid(generationId) ? await ReadAsync(generationId, cancellationToken).ConfigureAwait(false) : null)
            ?? throw new GenerationNotFoundException(generationId ?? string.Empty);

    private ValueTask<StoredManifest?> ReadAsync(string generationId, CancellationToken cancellationToken) =>
        ManifestFile.ReadAsync(ManifestPath(generationId), generationId, cancellationToken);

    private async ValueTask WriteManifestAsync(StoredManifest manifest, CancellationToken cancellationToken)
    {
        var folder = GenerationFolder(manifest.GenerationId);
        await ManifestFile.WriteAsync(Path.Join(folder, TempFolderName), ManifestPath(manifest.GenerationId), manifest, Crash, cancellationToken).ConfigureAwait(false);
        _sweeper.Invalidate(manifest.GenerationId);
        _named.TryRemove(manifest.GenerationId, out _);
    }

    /// <summary>
    /// Creates a generation whose manifest starts with <paramref name="source"/>'s files, referencing their content. A
    /// file whose content is gone is left behind (logged); the iteration's validation names it as missing.
    /// </summary>
    private async ValueTask CreateWithFilesAsync(
        StoredManifest manifest,
        StoredManifest? source,
        IReadOnlyList<GenerationFile>? sourceFiles,
        bool keepPhases,
        CancellationToken cancellationToken,
        FileHistory? keptHistory = null)
    {
        var folder = GenerationFolder(manifest.GenerationId);
        var temp = Directory.CreateDirectory(Path.Join(folder, TempFolderName)).FullName;
        if (source is null || sourceFiles is null)
        {
            await WriteManifestAsync(manifest with { History = FileHistory.Empty.Entries }, cancellationToken).ConfigureAwait(false);
            return;
        }

        // Every carried hash is journalled (before it is referenced): once the source is deleted, this generation may be
        // the last to name a content, and replacing that file must leave a record for its completion's sweep. A kept
        // history's earlier states are carried too: a diff against them, or a fork of this generation, reads them.
        var carried = sourceFiles.Select(static f => f.Sha256).Concat(keptHistory?.ContentHashes ?? []).Distinct(StringComparer.Ordinal).ToArray();
        if (carried.Length > 0)
        {
            await ContentJournal.AppendAsync(Path.Join(folder, ContentJournal.FileName), carried, cancellationToken).ConfigureAwait(false);
        }

        using (_store.Reference(carried))
        {
            var files = new List<GenerationFile>(sourceFiles.Count);
            var sourceBlobs = Path.Join(GenerationFolder(source.GenerationId), LegacyBlobsFolder);
            foreach (var file in sourceFiles)
            {
                var problem = _store.Has(file.Sha256, file.Size)
                    ? null
                    : await _store.ImportAsync(temp, file.Sha256, Path.Join(sourceBlobs, file.Sha256), cancellationToken).ConfigureAwait(false);
                if (problem is null)
                {
                    files.Add(keepPhases ? file : file with { Phase = 0 });
                }
                else if (keepPhases)
                {
                    Log.SourceFileNotCarried(_logger, manifest.GenerationId, source.GenerationId, file.Path, problem);
                }
                else
                {
                    Log.ParentFileNotCarried(_logger, manifest.GenerationId, source.GenerationId, file.Path, problem);
                }
            }

            // An iteration's history starts with the files it carried (phase 0); a retry's or fork's with its source's.
            var history = keptHistory is null
                ? new FileHistory([new FileHistoryEntry { Phase = 0, Written = files }])
                : keptHistory;
            await WriteManifestAsync(manifest with { Files = files, History = history.Entries, StartPhase = history.StartPhase }, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Removes content a generation wrote that no manifest names (replaced by a later phase, or of a phase that never got its manifest).</summary>
    /// <returns>Whether the sweep finished (or had nothing to do).</returns>
    private async ValueTask<bool> SweepJournalAsync(StoredManifest stored, CancellationToken cancellationToken)
    {
        var journal = await ContentJournal.ReadAsync(Path.Join(GenerationFolder(stored.GenerationId), ContentJournal.FileName), cancellationToken).ConfigureAwait(false);
        journal.ExceptWith(stored.Files.Select(static f => f.Sha256));
        return journal.Count == 0 || await _sweeper.SweepAsync(journal, cancellationToken).ConfigureAwait(false);
    }

    private void RemoveTempFiles(string folder)
    {
        try
        {
            foreach (var temp in Directory.EnumerateFiles(Path.Join(folder, TempFolderName)))
            {
                AtomicFile.TryDelete(temp);
            }
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (IOException ex)
        {
            Log.FileCleanupFailed(_logger, Path.GetFileName(folder), ex);
        }
    }

    private void RemoveUnlistedLegacyBlobs(string folder, StoredManifest stored)
    {
        var blobs = Path.Join(folder, LegacyBlobsFolder);
        if (!Directory.Exists(blobs))
        {
            return;
        }

        var listed = stored.Files.Select(static f => f.Sha256).ToHashSet(StringComparer.Ordinal);
        try
        {
            foreach (var blob in Directory.EnumerateFiles(blobs))
            {
                if (!listed.Contains(Path.GetFileName(blob)))
                {
                    AtomicFile.TryDelete(blob);
                }
            }
        }
        catch (IOException ex)
        {
            Log.FileCleanupFailed(_logger, stored.GenerationId, ex);
        }
    }

    private sealed record NamedContent(DateTime LastWriteTimeUtc, long Length, HashSet<string> Hashes);
}
