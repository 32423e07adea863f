using System.Collections.Concurrent;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Hosting;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Files;

/// <summary>
/// Keeps every generation's files in memory: for tests and short-lived hosts. Each save swaps in a new immutable
/// snapshot (manifest plus contents), so readers always see a manifest and the contents it lists together.
/// </summary>
/// <remarks>
/// Iterations and retries share their source's content arrays instead of copying them; a deleted generation's arrays
/// are collected once no snapshot holds them.
/// </remarks>
internal sealed class InMemoryFileSink(IOptionsMonitor<IterationStreamingOptions> options, TimeProvider timeProvider) : IFileSink
{
    private readonly ConcurrentDictionary<string, Storage> _generations = new(StringComparer.Ordinal);

    public ValueTask CreateAsync(string generationId, string? parentGenerationId, CancellationToken cancellationToken = default)
    {
        GenerationStorageId.ThrowIfInvalid(generationId, nameof(generationId));
        cancellationToken.ThrowIfCancellationRequested();

        var snapshot = new Snapshot(new FileManifest { GenerationId = generationId, Files = [] }, new Dictionary<string, byte[]>(StringComparer.Ordinal), FileHistory.Empty, new Dictionary<string, byte[]>(StringComparer.Ordinal));
        if (parentGenerationId is not null)
        {
            if (!GenerationStorageId.IsValid(parentGenerationId) || !_generations.TryGetValue(parentGenerationId, out var parent))
            {
                throw new GenerationNotFoundException(parentGenerationId);
            }

            var carried = parent.Current;
            var files = carried.Manifest.Files.Select(static f => f with { Phase = 0 }).ToArray();
            snapshot = new Snapshot(
                new FileManifest { GenerationId = generationId, Files = files },
                carried.Contents,
                new FileHistory([new FileHistoryEntry { Phase = 0, Written = files }]),
                files.GroupBy(static f => f.Sha256).ToDictionary(static g => g.Key, g => carried.Contents[g.First().Path], StringComparer.Ordinal));
        }

        if (!_generations.TryAdd(generationId, new Storage(snapshot)))
        {
            throw new InvalidOperationException($"Files storage for generation '{generationId}' exists already.");
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask CreateFromAsync(string generationId, string sourceGenerationId, CancellationToken cancellationToken = default)
    {
        GenerationStorageId.ThrowIfInvalid(generationId, nameof(generationId));
        ArgumentNullException.ThrowIfNull(sourceGenerationId);
        cancellationToken.ThrowIfCancellationRequested();

        var source = TryGet(sourceGenerationId)?.Current ?? throw new GenerationNotFoundException(sourceGenerationId);
        var snapshot = new Snapshot(
            new FileManifest { GenerationId = generationId, Files = source.Manifest.Files },
            source.Contents,
            new FileHistory(source.History.Entries, source.History.LastPhase),
            source.Blobs);
        if (!_generations.TryAdd(generationId, new Storage(snapshot)))
        {
            throw new InvalidOperationException($"Files storage for generation '{generationId}' exists already.");
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask CreateForkAsync(string generationId, string sourceGenerationId, int throughPhase, CancellationToken cancellationToken = default)
    {
        GenerationStorageId.ThrowIfInvalid(generationId, nameof(generationId));
        ArgumentNullException.ThrowIfNull(sourceGenerationId);
        cancellationToken.ThrowIfCancellationRequested();

        var source = TryGet(sourceGenerationId)?.Current ?? throw new GenerationNotFoundException(sourceGenerationId);
        var kept = (throughPhase >= 1 ? source.History.StateAt(throughPhase) : null)
            ?? throw new ArgumentOutOfRangeException(nameof(throughPhase), throughPhase, $"Generation '{sourceGenerationId}' has no saved state for phase {throughPhase}.");
        var snapshot = new Snapshot(
            new FileManifest { GenerationId = generationId, Files = kept },
            kept.ToDictionary(static f => f.Path, f => source.Blobs[f.Sha256], StringComparer.Ordinal),
            source.History.Through(throughPhase),
            source.Blobs);
        if (!_generations.TryAdd(generationId, new Storage(snapshot)))
        {
            throw new InvalidOperationException($"Files storage for generation '{generationId}' exists already.");
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<FileHistory?> GetHistoryAsync(string generationId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(TryGet(generationId)?.Current.History);
    }

    public ValueTask<Stream?> OpenContentAsync(string generationId, GenerationFile file, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<Stream?>(
            file.Sha256 is not null && TryGet(generationId) is { } storage && storage.Current.History.Names(file.Sha256) && storage.Current.Blobs.TryGetValue(file.Sha256, out var content)
                ? new MemoryStream(content, writable: false)
                : null);
    }

    public ValueTask<bool> DeleteAsync(string generationId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();

        // Contents are shared by reference between snapshots, so what no generation holds any more is collected.
        return ValueTask.FromResult(GenerationStorageId.IsValid(generationId) && _generations.TryRemove(generationId, out _));
    }

    public ValueTask<FileManifest> SavePhaseAsync(string generationId, int phase, IReadOnlyList<GeneratedFile> files, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var storage = Get(generationId);
        lock (storage)
        {
            var current = storage.Current;
            ThrowIfComplete(current.Manifest);
            var changes = FileManifestChanges.Compute(current.Manifest.Files, phase, files, options.CurrentValue);

            // Copy what the generator handed over (it may reuse its buffers), once per distinct content.
            var copies = new Dictionary<string, byte[]>(changes.Contents.Count, StringComparer.Ordinal);
            var contents = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (var file in changes.Files)
            {
                if (file.Phase == phase && changes.Contents.TryGetValue(file.Sha256, out var content))
                {
                    if (!copies.TryGetValue(file.Sha256, out var copy))
                    {
                        copy = content.ToArray();
                        copies.Add(file.Sha256, copy);
                    }

                    contents[file.Path] = copy;
                }
                else
                {
                    contents[file.Path] = current.Contents[file.Path];
                }
            }

            var manifest = current.Manifest with { Files = changes.Files };
            var blobs = current.Blobs;
            if (copies.Count > 0)
            {
                var grown = new Dictionary<string, byte[]>(current.Blobs, StringComparer.Ordinal);
                foreach (var (sha256, copy) in copies)
                {
                    grown.TryAdd(sha256, copy);
                }

                blobs = grown;
            }

            storage.Current = new Snapshot(manifest, contents, current.History.Append(phase, current.Manifest.Files, changes.Files), blobs);
            return ValueTask.FromResult(manifest);
        }
    }

    public ValueTask CompleteAsync(string generationId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var storage = Get(generationId);
        lock (storage)
        {
            var current = storage.Current;
            storage.Current = current with { Manifest = current.Manifest with { IsComplete = true } };
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<FileManifest?> GetManifestAsync(string generationId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(TryGet(generationId)?.Current.Manifest);
    }

    public ValueTask<Stream?> OpenReadAsync(string generationId, string path, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (path is null || TryGet(generationId) is not { } storage || !storage.Current.Contents.TryGetValue(path, out var content))
        {
            return ValueTask.FromResult<Stream?>(null);
        }

        return ValueTask.FromResult<Stream?>(new MemoryStream(content, writable: false));
    }

    public async ValueTask WriteArchiveAsync(string generationId, Stream destination, CancellationToken cancellationToken = default)
    {
        var storage = TryGet(generationId) ?? throw new GenerationNotFoundException(generationId);
        var snapshot = storage.Current;
        await ZipArchiveWriter.WriteAsync(
            snapshot.Manifest,
            (file, _) => ValueTask.FromResult<Stream?>(new MemoryStream(snapshot.Contents[file.Path], writable: false)),
            destination,
            timeProvider.GetUtcNow(),
            cancellationToken).ConfigureAwait(false);
    }

    private static void ThrowIfComplete(FileManifest manifest)
    {
        if (manifest.IsComplete)
        {
            throw new InvalidOperationException($"The files of generation '{manifest.GenerationId}' are complete; nothing more can be saved.");
        }
    }

    private Storage Get(string generationId) =>
        TryGet(generationId) ?? throw new GenerationNotFoundException(generationId ?? string.Empty);

    private Storage? TryGet(string? generationId) =>
        GenerationStorageId.IsValid(generationId) && _generations.TryGetValue(generationId!, out var storage) ? storage : null;

    /// <summary>A generation's files: the manifest, each listed path's content, the history, and every content the history names (by hash).</summary>
    private sealed record Snapshot(FileManifest Manifest, IReadOnlyDictionary<string, byte[]> Contents, FileHistory History, IReadOnlyDictionary<string, byte[]> Blobs);

    private sealed class Storage(Snapshot initial)
    {
        public Snapshot Current
        {
            get => Volatile.Read(ref field);
            set => Volatile.Write(ref field, value);
        } = initial;
    }
}
