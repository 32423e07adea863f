namespace Iteration.Streaming.Files;

/// <summary>
/// The contents of every generation under one root, stored once each by SHA-256 as <c>.content/{sha[0..2]}/{sha}</c>,
/// and the guard that keeps a sweep from deleting content a save or a create is about to list.
/// </summary>
/// <remarks>
/// A writer records its hashes in its generation's journal, then references them before it looks for or writes the
/// content, and releases them once its manifest is saved. A sweep deletes only hashes no one referenced since it began:
/// a reference taken before the sweep is in its protected set from the start, one taken during it is added, and one
/// taken after a deletion finds the content gone and writes it again. A refused hash is still in the writer's journal,
/// so the writer's own sweep removes it once no manifest names it. The guard is per instance: one sink instance per
/// root in a process (the DI singleton).
/// </remarks>
internal sealed class FileSystemContentStore(string root, Action<string> crashPoint)
{
    public const string FolderName = ".content";

    private readonly string _folder = Path.Join(root, FolderName);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _referenced = new(StringComparer.Ordinal);
    private HashSet<string>? _protected;

    public string PathOf(string sha256) => Path.Join(_folder, sha256[..2], sha256);

    /// <summary>Keeps <paramref name="hashes"/> from being swept until the returned handle is disposed.</summary>
    public References Reference(IEnumerable<string> hashes)
    {
        var taken = hashes.Distinct(StringComparer.Ordinal).ToArray();
        lock (_gate)
        {
            foreach (var hash in taken)
            {
                _referenced[hash] = _referenced.GetValueOrDefault(hash) + 1;
                _protected?.Add(hash);
            }
        }

        return new References(this, taken);
    }

    /// <summary>Whether the content is stored with the expected size (a cheap check; hashes are checked when written).</summary>
    public bool Has(string sha256, long size)
    {
        var info = new FileInfo(PathOf(sha256));
        return info.Exists && info.Length == size;
    }

    public async ValueTask WriteAsync(string tempFolder, string sha256, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        if (Has(sha256, content.Length))
        {
            return;
        }

        var target = PathOf(sha256);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        await AtomicFile.WriteAsync(tempFolder, target, content, crashPoint, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Copies content from a wave-1 generation folder into the store; returns the problem when it cannot.</summary>
    public async ValueTask<string?> ImportAsync(string tempFolder, string sha256, string sourcePath, CancellationToken cancellationToken)
    {
        var source = AtomicFile.TryOpenRead(sourcePath);
        if (source is null)
        {
            return "its content is missing or does not have the size the manifest records";
        }

        await using (source.ConfigureAwait(false))
        {
            var target = PathOf(sha256);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            return await AtomicFile.CopyVerifiedAsync(source, tempFolder, target, sha256, cancellationToken).ConfigureAwait(false);
        }
    }

    public FileStream? TryOpen(string sha256) => AtomicFile.TryOpenRead(PathOf(sha256));

    /// <summary>Starts a sweep: from now until the returned handle is disposed, every referenced hash is protected.</summary>
    public Sweep BeginSweep()
    {
        lock (_gate)
        {
            if (_protected is not null)
            {
                throw new InvalidOperationException("A sweep of this content store is running already.");
            }

            _protected = new HashSet<string>(_referenced.Keys, StringComparer.Ordinal);
        }

        return new Sweep(this);
    }

    private void Crash(string step) => crashPoint(step);

    private void Release(string[] hashes)
    {
        lock (_gate)
        {
            foreach (var hash in hashes)
            {
                if (_referenced[hash] == 1)
                {
                    _referenced.Remove(hash);
                }
                else
                {
                    _referenced[hash]--;
                }
            }
        }
    }

    /// <summary>Hashes referenced by a save or create in progress.</summary>
    internal sealed class References(FileSystemContentStore store, string[] hashes) : IDisposable
    {
        private string[]? _hashes = hashes;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _hashes, null) is { } taken)
            {
                store.Release(taken);
            }
        }
    }

    /// <summary>A sweep in progress: deletes content that no writer referenced since it began.</summary>
    internal sealed class Sweep(FileSystemContentStore store) : IDisposable
    {
        /// <summary>Deletes the content unless a writer referenced it; returns whether a file was removed.</summary>
        public bool TryDelete(string sha256)
        {
            var path = store.PathOf(sha256);
            lock (store._gate)
            {
                if (store._protected!.Contains(sha256) || !File.Exists(path))
                {
                    return false;
                }

                store.Crash("sweep-delete:" + sha256);
                return AtomicFile.TryDelete(path);
            }
        }

        public void Dispose()
        {
            lock (store._gate)
            {
                store._protected = null;
            }
        }
    }
}
