using System.Globalization;
using Iteration.Streaming.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.Files;

/// <summary>
/// Mark and sweep over the manifests of one root: removes the candidate contents that no manifest names and no writer
/// references, and finishes deleting the generations moved to <c>.deleted/</c> (after a crash, too).
/// </summary>
/// <remarks>
/// Candidates come from the caller (a completed generation's journal, a retried generation's journal) and from every
/// generation under <c>.deleted/</c> (its manifest and journal), so a sweep never lists the whole content store. The
/// mark reads every live manifest; what it keeps of each (the first 64 bits of each hash) is cached and re-read when
/// this sink rewrote the manifest or its size or time changed. A prefix match keeps content: never a wrong deletion.
/// One sweep at a time. A hash refused because a writer holds it is dropped from this sweep's records (the journal, the
/// deleted folder) safely: the writer put it in its own generation's journal first. So the generations under
/// <c>.deleted/</c> are collected before the store's protection begins: a save that ended after the sweep began could
/// otherwise protect content of its own generation, deleted meanwhile, whose folder is the only record of it.
/// </remarks>
internal sealed class ContentSweeper(string root, FileSystemContentStore store, ILogger logger, Action<string> crashPoint) : IDisposable
{
    public const string DeletedFolderName = ".deleted";

    private readonly SemaphoreSlim _running = new(1, 1);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _versions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CachedReferences> _cache = new(StringComparer.Ordinal);
    private long _lastVersion;

    public string DeletedFolder { get; } = Path.Join(root, DeletedFolderName);

    public void Dispose() => _running.Dispose();

    /// <summary>Forgets what was cached of a generation's manifest: call after writing or deleting it.</summary>
    public void Invalidate(string generationId)
    {
        lock (_gate)
        {
            _versions[generationId] = ++_lastVersion;
            _cache.Remove(generationId);
        }
    }

    /// <summary>Forgets a deleted generation entirely.</summary>
    public void Forget(string generationId)
    {
        lock (_gate)
        {
            _versions.Remove(generationId);
            _cache.Remove(generationId);
        }
    }

    /// <summary>
    /// Sweeps <paramref name="candidates"/> and the generations under <c>.deleted/</c>. Failures are logged, never
    /// thrown: what is left behind is unlisted, and the next sweep of the same candidates removes it.
    /// </summary>
    /// <returns><see langword="false"/> when the sweep stopped early, so the caller keeps its record of the candidates.</returns>
    public async ValueTask<bool> SweepAsync(IEnumerable<string> candidates, CancellationToken cancellationToken)
    {
        await _running.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Deleted generations are collected before the protection starts: a reference taken from then on is a live
            // writer's, which has the hash in its own journal, and never one of a folder this sweep is about to remove.
            var remaining = new HashSet<string>(candidates, StringComparer.Ordinal);
            var deleted = await CollectDeletedAsync(remaining, cancellationToken).ConfigureAwait(false);
            using var sweep = store.BeginSweep();
            crashPoint("sweep-begun");
            if (remaining.Count > 0)
            {
                await MarkAsync(remaining, cancellationToken).ConfigureAwait(false);
            }

            var removed = 0;
            foreach (var hash in remaining)
            {
                if (sweep.TryDelete(hash))
                {
                    removed++;
                }
            }

            foreach (var folder in deleted)
            {
                crashPoint("sweep-remove-folder");
                TryDeleteFolder(folder);
            }

            Log.ContentSwept(logger, removed, deleted.Count);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            Log.ContentSweepFailed(logger, ex);
            return false;
        }
        finally
        {
            _running.Release();
        }
    }

    private static void TryDeleteFolder(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private static ulong Prefix(string sha256) => ulong.Parse(sha256.AsSpan(0, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

    /// <summary>Adds the contents of every generation under <c>.deleted/</c> to the candidates; returns their folders.</summary>
    private async ValueTask<List<string>> CollectDeletedAsync(HashSet<string> candidates, CancellationToken cancellationToken)
    {
        var folders = new List<string>();
        if (!Directory.Exists(DeletedFolder))
        {
            return folders;
        }

        foreach (var folder in Directory.EnumerateDirectories(DeletedFolder))
        {
            var name = Path.GetFileName(folder);
            var dot = name.IndexOf('.', StringComparison.Ordinal);
            var generationId = dot < 0 ? name : name[..dot];
            StoredManifest? manifest = null;
            try
            {
                manifest = await ManifestFile.ReadAsync(Path.Join(folder, ManifestFile.FileName), generationId, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidDataException ex)
            {
                // Its content cannot be told; it stays unless another sweep finds it through a journal.
                Log.ContentSweepFailed(logger, ex);
            }

            if (manifest is not null)
            {
                candidates.UnionWith(manifest.ContentHashes());
            }

            candidates.UnionWith(await ContentJournal.ReadAsync(Path.Join(folder, ContentJournal.FileName), cancellationToken).ConfigureAwait(false));
            folders.Add(folder);
        }

        return folders;
    }

    /// <summary>Removes from <paramref name="candidates"/> every hash a live manifest names.</summary>
    private async ValueTask MarkAsync(HashSet<string> candidates, CancellationToken cancellationToken)
    {
        var byPrefix = new Dictionary<ulong, List<string>>();
        foreach (var hash in candidates)
        {
            if (!byPrefix.TryGetValue(Prefix(hash), out var list))
            {
                byPrefix[Prefix(hash)] = list = [];
            }

            list.Add(hash);
        }

        foreach (var folder in Directory.EnumerateDirectories(root))
        {
            var generationId = Path.GetFileName(folder);
            if (!GenerationStorageId.IsValid(generationId))
            {
                continue;
            }

            foreach (var prefix in await ReferencesAsync(generationId, folder, cancellationToken).ConfigureAwait(false))
            {
                if (byPrefix.Remove(prefix, out var marked))
                {
                    candidates.ExceptWith(marked);
                    if (byPrefix.Count == 0)
                    {
                        return;
                    }
                }
            }
        }
    }

    private async ValueTask<ulong[]> ReferencesAsync(string generationId, string folder, CancellationToken cancellationToken)
    {
        var info = new FileInfo(Path.Join(folder, ManifestFile.FileName));
        long version;
        lock (_gate)
        {
            version = _versions.GetValueOrDefault(generationId);
            if (info.Exists
                && _cache.TryGetValue(generationId, out var cached)
                && cached.Version == version
                && cached.LastWriteTimeUtc == info.LastWriteTimeUtc
                && cached.Length == info.Length)
            {
                return cached.Prefixes;
            }
        }

        if (!info.Exists)
        {
            // A create in progress or cut short: whatever it references is protected by the store's guard.
            return [];
        }

        var manifest = await ManifestFile.ReadAsync(info.FullName, generationId, cancellationToken).ConfigureAwait(false);
        var prefixes = manifest is null ? [] : manifest.ContentHashes().Select(Prefix).Distinct().ToArray();
        lock (_gate)
        {
            if (_versions.GetValueOrDefault(generationId) == version)
            {
                _cache[generationId] = new CachedReferences(version, info.LastWriteTimeUtc, info.Length, prefixes);
            }
        }

        return prefixes;
    }

    private sealed record CachedReferences(long Version, DateTime LastWriteTimeUtc, long Length, ulong[] Prefixes);
}
