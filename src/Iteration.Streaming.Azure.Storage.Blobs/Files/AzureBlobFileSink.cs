using Azure;
using Azure.Storage.Blobs;
using Iteration.Streaming.Azure.Storage.Blobs.Diagnostics;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Files;
using Iteration.Streaming.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Azure.Storage.Blobs.Files;

/// <summary>
/// Saves generations in one blob container (<see cref="BlobLayout"/>): each file's bytes once, as <c>content/{sha256}</c>,
/// shared by every generation that lists them (iterations and retries list their source's contents without copying),
/// and each generation's list of paths in <c>generations/{id}/manifest.json</c>.
/// </summary>
/// <remarks>
/// A phase's contents are uploaded before its manifest is written, and the manifest is replaced only if it is still
/// the version read (ETag), so the manifest always agrees with the blobs and a second writer gets a clear error
/// instead of losing a phase. Reads go through the manifest only. Deleting a generation removes its manifest, then
/// the contents no other generation lists (<see cref="ContentSweeper"/>). Failures of the service come out as
/// <see cref="IOException"/> naming the operation, the container and what the service answered.
/// </remarks>
internal sealed class AzureBlobFileSink : IFileSink
{
    private readonly BlobContainerClient _container;
    private readonly ManifestStore _manifests;
    private readonly ContentStore _contents;
    private readonly ContentSweeper _sweeper;
    private readonly IOptionsMonitor<IterationStreamingOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly int _maxConcurrency;
    private readonly Lock _containerGate = new();
    private Task? _containerReady;

    public AzureBlobFileSink(
        BlobContainerClient container,
        IOptionsMonitor<IterationStreamingOptions> options,
        TimeProvider timeProvider,
        ILogger? logger = null,
        int maxConcurrency = 8)
    {
        _container = container;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger ?? NullLogger.Instance;
        _maxConcurrency = maxConcurrency;
        _manifests = new ManifestStore(container);
        _contents = new ContentStore(container);
        _sweeper = new ContentSweeper(_manifests, _contents, maxConcurrency, _logger);
    }

    public ValueTask CreateAsync(string generationId, string? parentGenerationId, CancellationToken cancellationToken = default)
    {
        GenerationIds.ThrowIfInvalid(generationId, nameof(generationId));
        return GuardAsync(
            async () =>
            {
                await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
                if (parentGenerationId is null)
                {
                    if (!await _manifests.TryCreateAsync(new StoredManifest { GenerationId = generationId, Files = [] }, cancellationToken).ConfigureAwait(false))
                    {
                        throw Exists(generationId);
                    }

                    return;
                }

                var parent = await ReadSourceAsync(parentGenerationId, cancellationToken).ConfigureAwait(false);
                var manifest = new StoredManifest
                {
                    GenerationId = generationId,
                    ParentGenerationId = parentGenerationId,
                    Files = parent.Files.Select(static f => f with { Phase = 0 }).ToArray(),
                };
                await CreateSharingAsync(manifest, parentGenerationId, isRetry: false, cancellationToken).ConfigureAwait(false);
            },
            () => $"creating the files of generation '{generationId}'",
            cancellationToken);
    }

    public ValueTask CreateFromAsync(string generationId, string sourceGenerationId, CancellationToken cancellationToken = default)
    {
        GenerationIds.ThrowIfInvalid(generationId, nameof(generationId));
        ArgumentNullException.ThrowIfNull(sourceGenerationId);
        return GuardAsync(
            async () =>
            {
                await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
                var source = await ReadSourceAsync(sourceGenerationId, cancellationToken).ConfigureAwait(false);
                var manifest = new StoredManifest { GenerationId = generationId, ParentGenerationId = source.ParentGenerationId, Files = source.Files };
                await CreateSharingAsync(manifest, sourceGenerationId, isRetry: true, cancellationToken).ConfigureAwait(false);
            },
            () => $"creating the files of generation '{generationId}' from generation '{sourceGenerationId}'",
            cancellationToken);
    }

    public ValueTask<bool> DeleteAsync(string generationId, CancellationToken cancellationToken = default)
    {
        if (!GenerationIds.IsValid(generationId))
        {
            return ValueTask.FromResult(false);
        }

        return GuardAsync(() => DeleteCoreAsync(generationId, cancellationToken), () => $"deleting the files of generation '{generationId}'", cancellationToken);
    }

    public ValueTask<FileManifest> SavePhaseAsync(string generationId, int phase, IReadOnlyList<GeneratedFile> files, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(phase, 1);
        ArgumentNullException.ThrowIfNull(files);
        return GuardAsync(() => SavePhaseCoreAsync(generationId, phase, files, cancellationToken), () => $"saving phase {phase} of generation '{generationId}'", cancellationToken);
    }

    public ValueTask CompleteAsync(string generationId, CancellationToken cancellationToken = default) => GuardAsync(
        async () =>
        {
            var current = await ReadExistingAsync(generationId, cancellationToken).ConfigureAwait(false);
            if (!current.Manifest.IsComplete
                && await _manifests.TryReplaceAsync(current.Manifest with { IsComplete = true }, current.ETag, cancellationToken).ConfigureAwait(false) is null)
            {
                throw Conflict(generationId, "while it was being completed");
            }
        },
        () => $"completing the files of generation '{generationId}'",
        cancellationToken);

    public ValueTask<FileManifest?> GetManifestAsync(string generationId, CancellationToken cancellationToken = default) => GuardAsync(
        async () => GenerationIds.IsValid(generationId)
            ? (await _manifests.ReadAsync(generationId, cancellationToken).ConfigureAwait(false))?.Manifest.ToManifest()
            : null,
        () => $"reading the manifest of generation '{generationId}'",
        cancellationToken);

    public ValueTask<Stream?> OpenReadAsync(string generationId, string path, CancellationToken cancellationToken = default)
    {
        if (path is null || !GenerationIds.IsValid(generationId))
        {
            return ValueTask.FromResult<Stream?>(null);
        }

        return GuardAsync(
            async () =>
            {
                var stored = await _manifests.ReadAsync(generationId, cancellationToken).ConfigureAwait(false);
                if (stored is null || Find(stored.Value.Manifest.Files, path) is not { } file)
                {
                    return null;
                }

                if (await _contents.TryOpenAsync(file.Sha256, cancellationToken).ConfigureAwait(false) is { } stream)
                {
                    return stream;
                }

                // Gone with its generation (deleted meanwhile) is "not listed"; gone while still listed is damage.
                var again = await _manifests.ReadAsync(generationId, cancellationToken).ConfigureAwait(false);
                return again is { } current && Find(current.Manifest.Files, path)?.Sha256 == file.Sha256
                    ? throw MissingContent(generationId, file)
                    : (Stream?)null;
            },
            () => $"reading {PathRules.Show(path)} of generation '{generationId}'",
            cancellationToken);
    }

    public ValueTask WriteArchiveAsync(string generationId, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return GuardAsync(
            async () =>
            {
                var stored = await ReadExistingAsync(generationId, cancellationToken).ConfigureAwait(false);
                await BlobArchiveWriter.WriteAsync(
                    stored.Manifest.Files,
                    async (file, ct) => await _contents.TryOpenAsync(file.Sha256, ct).ConfigureAwait(false) ?? throw MissingContent(generationId, file),
                    destination,
                    _timeProvider.GetUtcNow(),
                    cancellationToken).ConfigureAwait(false);
            },
            () => $"writing the archive of generation '{generationId}'",
            cancellationToken);
    }

    private async ValueTask<FileManifest> SavePhaseCoreAsync(string generationId, int phase, IReadOnlyList<GeneratedFile> files, CancellationToken cancellationToken)
    {
        var current = await ReadExistingAsync(generationId, cancellationToken).ConfigureAwait(false);
        if (current.Manifest.IsComplete)
        {
            throw new InvalidOperationException($"The files of generation '{generationId}' are complete; nothing more can be saved.");
        }

        var changes = PhaseRules.Compute(current.Manifest.Files, phase, files, SinkLimits.From(_options.CurrentValue));
        var updated = current.Manifest with { Files = changes.Files };
        if (changes.Writes.Count == 0 && current.Manifest.Files.SequenceEqual(changes.Files))
        {
            return updated.ToManifest();
        }

        // Only new contents need an intent: what the manifest lists already stays listed until the replacement lists it.
        string? intent = null;
        if (changes.Writes.Count > 0)
        {
            intent = await _manifests.WriteIntentAsync(updated, cancellationToken).ConfigureAwait(false);
            await Parallel.ForEachAsync(
                changes.Writes.DistinctBy(static w => w.Entry.Sha256),
                Parallelism(cancellationToken),
                async (write, ct) => await _contents.EnsureAsync(write.Entry.Sha256, write.Content, ct).ConfigureAwait(false)).ConfigureAwait(false);
        }

        if (await _manifests.TryReplaceAsync(updated, current.ETag, cancellationToken).ConfigureAwait(false) is null)
        {
            throw Conflict(generationId, $"while phase {phase} was being saved; phase {phase} was not recorded");
        }

        await RemoveIntentAsync(intent).ConfigureAwait(false);
        return updated.ToManifest();
    }

    /// <summary>
    /// Creates a manifest that lists another generation's contents: announces them (intent), touches each so no sweep
    /// deletes it meanwhile, then writes the manifest only where none exists.
    /// </summary>
    private async ValueTask CreateSharingAsync(StoredManifest manifest, string sourceGenerationId, bool isRetry, CancellationToken cancellationToken)
    {
        if (await _manifests.ExistsAsync(manifest.GenerationId, cancellationToken).ConfigureAwait(false))
        {
            throw Exists(manifest.GenerationId);
        }

        var intent = await _manifests.WriteIntentAsync(manifest, cancellationToken).ConfigureAwait(false);
        var missing = new HashSet<string>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(manifest.Files.Select(static f => f.Sha256).Distinct(StringComparer.Ordinal), Parallelism(cancellationToken), async (sha256, ct) =>
        {
            if (!await _contents.TouchAsync(sha256, ct).ConfigureAwait(false))
            {
                lock (missing)
                {
                    missing.Add(sha256);
                }
            }
        }).ConfigureAwait(false);

        if (missing.Count > 0)
        {
            var lost = manifest.Files.Where(f => missing.Contains(f.Sha256)).ToArray();
            if (isRetry)
            {
                // A retry skips the phases its source saved, so a file of those phases cannot silently go missing.
                throw new FileNotFoundException(
                    $"Generation '{sourceGenerationId}' cannot be retried as '{manifest.GenerationId}': the content of {PathRules.Show(lost[0].Path)} is missing from blob storage (blob '{BlobLayout.Content(lost[0].Sha256)}' in container '{_container.Name}').",
                    lost[0].Path);
            }

            foreach (var file in lost)
            {
                // Validation of the iteration names the file as missing; the run itself goes on.
                Log.ParentFileNotCarried(_logger, manifest.GenerationId, sourceGenerationId, file.Path);
            }

            manifest = manifest with { Files = manifest.Files.Where(f => !missing.Contains(f.Sha256)).ToArray() };
        }

        if (!await _manifests.TryCreateAsync(manifest, cancellationToken).ConfigureAwait(false))
        {
            throw Exists(manifest.GenerationId);
        }

        await RemoveIntentAsync(intent).ConfigureAwait(false);
    }

    private async ValueTask<bool> DeleteCoreAsync(string generationId, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        try
        {
            await foreach (var name in _manifests.ListAsync(generationId, cancellationToken).ConfigureAwait(false))
            {
                names.Add(name);
            }
        }
        catch (RequestFailedException ex) when (BlobFailures.IsNotFound(ex))
        {
            return false;
        }

        // What the manifest and any intents list are the candidates; read them before removing them, the manifest first.
        var manifestName = BlobLayout.Manifest(generationId);
        var candidates = new HashSet<string>(StringComparer.Ordinal);
        var deletedManifest = false;
        foreach (var name in names.OrderBy(n => n == manifestName ? 0 : 1))
        {
            try
            {
                if (await _manifests.ReadListedAsync(name, generationId, cancellationToken).ConfigureAwait(false) is { } listed)
                {
                    candidates.UnionWith(listed.Files.Select(static f => f.Sha256));
                }
            }
            catch (InvalidDataException ex)
            {
                Log.SweepAbandoned(_logger, ex);
            }

            var deleted = await _manifests.DeleteAsync(name, cancellationToken).ConfigureAwait(false);
            deletedManifest |= deleted && name == manifestName;
        }

        var swept = await _sweeper.SweepAsync(candidates, cancellationToken).ConfigureAwait(false);
        Log.GenerationDeleted(_logger, generationId, swept);
        return deletedManifest;
    }

    private async ValueTask<StoredManifest> ReadSourceAsync(string sourceGenerationId, CancellationToken cancellationToken) =>
        (GenerationIds.IsValid(sourceGenerationId) ? await _manifests.ReadAsync(sourceGenerationId, cancellationToken).ConfigureAwait(false) : null)?.Manifest
            ?? throw new GenerationNotFoundException(sourceGenerationId);

    private async ValueTask<VersionedManifest> ReadExistingAsync(string generationId, CancellationToken cancellationToken) =>
        (GenerationIds.IsValid(generationId) ? await _manifests.ReadAsync(generationId, cancellationToken).ConfigureAwait(false) : null)
            ?? throw new GenerationNotFoundException(generationId ?? string.Empty);

    private async ValueTask RemoveIntentAsync(string? intent)
    {
        if (intent is null)
        {
            return;
        }

        try
        {
            // Not the caller's token: the manifest is written, and the intent is only garbage now.
            await _manifests.DeleteAsync(intent, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (BlobFailures.IsStorageFailure(ex, CancellationToken.None))
        {
            Log.IntentNotRemoved(_logger, intent, ex);
        }
    }

    private Task EnsureContainerAsync(CancellationToken cancellationToken)
    {
        Task ready;
        lock (_containerGate)
        {
            if (_containerReady is null || _containerReady.IsFaulted || _containerReady.IsCanceled)
            {
                _containerReady = CreateContainerAsync();
            }

            ready = _containerReady;
        }

        return ready.WaitAsync(cancellationToken);
    }

    private async Task CreateContainerAsync()
    {
        await _container.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
        Log.ContainerReady(_logger, _container.Name);
    }

    private async ValueTask<T> GuardAsync<T>(Func<ValueTask<T>> operation, Func<string> action, CancellationToken cancellationToken)
    {
        try
        {
            return await operation().ConfigureAwait(false);
        }
        catch (Exception ex) when (BlobFailures.IsStorageFailure(ex, cancellationToken))
        {
            throw BlobFailures.Wrap(ex, action(), _container.Name);
        }
    }

    private async ValueTask GuardAsync(Func<ValueTask> operation, Func<string> action, CancellationToken cancellationToken) =>
        await GuardAsync(
            async () =>
            {
                await operation().ConfigureAwait(false);
                return true;
            },
            action,
            cancellationToken).ConfigureAwait(false);

    private ParallelOptions Parallelism(CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = _maxConcurrency, CancellationToken = cancellationToken };

    private InvalidOperationException Conflict(string generationId, string when)
    {
        Log.ManifestConflict(_logger, generationId);
        return new InvalidOperationException(
            $"The manifest of generation '{generationId}' was changed or removed by another writer {when}. A generation has one writer at a time.");
    }

    private static InvalidOperationException Exists(string generationId) =>
        new($"Files storage for generation '{generationId}' exists already.");

    private FileNotFoundException MissingContent(string generationId, GenerationFile file) => new(
        $"The content of {PathRules.Show(file.Path)} in generation '{generationId}' is missing from blob storage: blob '{BlobLayout.Content(file.Sha256)}' in container '{_container.Name}' was deleted outside the sink.",
        file.Path);

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
}
