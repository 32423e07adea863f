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
/// shared by every generation that lists them (iterations, retries and forks list their source's contents without
/// copying), and each generation's list of paths and history of saves in <c>generations/{id}/manifest.json</c>.
/// </summary>
/// <remarks>
/// Writes follow one protocol (<see cref="GenerationWriter"/>): a phase's contents are in place before its manifest is
/// written, and the manifest is replaced only if it is still the version read (ETag), so the manifest always agrees
/// with the blobs and a second writer gets a clear error instead of losing a phase. Reads go through the manifest only. Deleting a generation removes its manifest, then
/// the contents no other generation's files or history name (<see cref="ContentSweeper"/>). Failures of the service come out as
/// <see cref="IOException"/> naming the operation, the container and what the service answered.
/// </remarks>
internal sealed class AzureBlobFileSink : IFileSink
{
    private readonly BlobContainerClient _container;
    private readonly ManifestStore _manifests;
    private readonly ContentStore _contents;
    private readonly GenerationWriter _writer;
    private readonly ContentSweeper _sweeper;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public AzureBlobFileSink(
        BlobContainerClient container,
        IOptionsMonitor<IterationStreamingOptions> options,
        TimeProvider timeProvider,
        ILogger? logger = null,
        int maxConcurrency = 8)
    {
        _container = container;
        _timeProvider = timeProvider;
        _logger = logger ?? NullLogger.Instance;
        _manifests = new ManifestStore(container);
        _contents = new ContentStore(container);
        _writer = new GenerationWriter(container, _manifests, _contents, options, maxConcurrency, _logger);
        _sweeper = new ContentSweeper(_manifests, _contents, maxConcurrency, _logger);
    }

    public ValueTask CreateAsync(string generationId, string? parentGenerationId, CancellationToken cancellationToken = default)
    {
        GenerationStorageId.ThrowIfInvalid(generationId, nameof(generationId));
        return GuardAsync(
            async () =>
            {
                if (parentGenerationId is null)
                {
                    await _writer.CreateAsync(generationId, cancellationToken).ConfigureAwait(false);
                    return;
                }

                var parent = await ReadSourceAsync(parentGenerationId, cancellationToken).ConfigureAwait(false);
                var files = parent.Files.Select(static f => f with { Phase = 0 }).ToArray();
                var manifest = new StoredManifest { GenerationId = generationId, ParentGenerationId = parentGenerationId, Files = files }
                    .WithHistory(new FileHistory([new FileHistoryEntry { Phase = 0, Written = files }]));
                await _writer.CreateSharingAsync(manifest, parentGenerationId, keepsPhases: false, cancellationToken).ConfigureAwait(false);
            },
            () => $"creating the files of generation '{generationId}'",
            cancellationToken);
    }

    public ValueTask CreateFromAsync(string generationId, string sourceGenerationId, CancellationToken cancellationToken = default)
    {
        GenerationStorageId.ThrowIfInvalid(generationId, nameof(generationId));
        ArgumentNullException.ThrowIfNull(sourceGenerationId);
        return GuardAsync(
            async () =>
            {
                var source = await ReadSourceAsync(sourceGenerationId, cancellationToken).ConfigureAwait(false);
                var history = source.ToHistory();

                // The source's whole history, started after its last phase: the retry's own saves come later.
                var manifest = new StoredManifest { GenerationId = generationId, ParentGenerationId = source.ParentGenerationId, RetryOf = sourceGenerationId, Files = source.Files }
                    .WithHistory(new FileHistory(history.Entries, history.LastPhase));
                await _writer.CreateSharingAsync(manifest, sourceGenerationId, keepsPhases: true, cancellationToken).ConfigureAwait(false);
            },
            () => $"creating the files of generation '{generationId}' from generation '{sourceGenerationId}'",
            cancellationToken);
    }

    public ValueTask CreateForkAsync(string generationId, string sourceGenerationId, int throughPhase, CancellationToken cancellationToken = default)
    {
        GenerationStorageId.ThrowIfInvalid(generationId, nameof(generationId));
        ArgumentNullException.ThrowIfNull(sourceGenerationId);
        return GuardAsync(
            async () =>
            {
                var source = await ReadSourceAsync(sourceGenerationId, cancellationToken).ConfigureAwait(false);
                var history = source.ToHistory();
                var kept = (throughPhase >= 1 ? history.StateAt(throughPhase) : null)
                    ?? throw new ArgumentOutOfRangeException(nameof(throughPhase), throughPhase, $"Generation '{sourceGenerationId}' has no saved state for phase {throughPhase}.");
                var manifest = new StoredManifest { GenerationId = generationId, ParentGenerationId = source.ParentGenerationId, ForkedFrom = sourceGenerationId, Files = kept }
                    .WithHistory(history.Through(throughPhase));
                await _writer.CreateSharingAsync(manifest, sourceGenerationId, keepsPhases: true, cancellationToken).ConfigureAwait(false);
            },
            () => $"forking generation '{sourceGenerationId}' after phase {throughPhase} as generation '{generationId}'",
            cancellationToken);
    }

    public ValueTask<FileHistory?> GetHistoryAsync(string generationId, CancellationToken cancellationToken = default) => GuardAsync(
        async () => GenerationStorageId.IsValid(generationId)
            ? (await _manifests.ReadAsync(generationId, cancellationToken).ConfigureAwait(false))?.Manifest.ToHistory()
            : null,
        () => $"reading the file history of generation '{generationId}'",
        cancellationToken);

    public ValueTask<Stream?> OpenContentAsync(string generationId, GenerationFile file, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!GenerationStorageId.IsValid(generationId) || !BlobLayout.IsSha256(file.Sha256))
        {
            return ValueTask.FromResult<Stream?>(null);
        }

        return GuardAsync(
            async () =>
            {
                // Only content the generation's own history names: a hash alone must not read another generation's file.
                if (!await NamesContentAsync(generationId, file.Sha256, cancellationToken).ConfigureAwait(false))
                {
                    return null;
                }

                // Gone with its generation (deleted meanwhile) is "not named"; gone while still named is damage.
                return await _contents.TryOpenAsync(file.Sha256, cancellationToken).ConfigureAwait(false)
                    ?? (await NamesContentAsync(generationId, file.Sha256, cancellationToken).ConfigureAwait(false) ? throw MissingContent(generationId, file) : null);
            },
            () => $"reading content {file.Sha256} of generation '{generationId}'",
            cancellationToken);
    }

    public ValueTask<bool> DeleteAsync(string generationId, CancellationToken cancellationToken = default)
    {
        if (!GenerationStorageId.IsValid(generationId))
        {
            return ValueTask.FromResult(false);
        }

        return GuardAsync(() => DeleteCoreAsync(generationId, cancellationToken), () => $"deleting the files of generation '{generationId}'", cancellationToken);
    }

    public ValueTask<FileManifest> SavePhaseAsync(string generationId, int phase, IReadOnlyList<GeneratedFile> files, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(phase, 1);
        ArgumentNullException.ThrowIfNull(files);
        return GuardAsync(
            async () => await _writer.SavePhaseAsync(await ReadExistingAsync(generationId, cancellationToken).ConfigureAwait(false), phase, files, cancellationToken).ConfigureAwait(false),
            () => $"saving phase {phase} of generation '{generationId}'",
            cancellationToken);
    }

    public ValueTask CompleteAsync(string generationId, CancellationToken cancellationToken = default) => GuardAsync(
        async () => await _writer.CompleteAsync(await ReadExistingAsync(generationId, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false),
        () => $"completing the files of generation '{generationId}'",
        cancellationToken);

    public ValueTask<FileManifest?> GetManifestAsync(string generationId, CancellationToken cancellationToken = default) => GuardAsync(
        async () => GenerationStorageId.IsValid(generationId)
            ? (await _manifests.ReadAsync(generationId, cancellationToken).ConfigureAwait(false))?.Manifest.ToManifest()
            : null,
        () => $"reading the manifest of generation '{generationId}'",
        cancellationToken);

    public ValueTask<Stream?> OpenReadAsync(string generationId, string path, CancellationToken cancellationToken = default)
    {
        if (path is null || !GenerationStorageId.IsValid(generationId))
        {
            return ValueTask.FromResult<Stream?>(null);
        }

        return GuardAsync(
            async () =>
            {
                var stored = await _manifests.ReadAsync(generationId, cancellationToken).ConfigureAwait(false);
                if (stored is null || ManifestLookup.Find(stored.Value.Manifest.Files, path) is not { } file)
                {
                    return null;
                }

                if (await _contents.TryOpenAsync(file.Sha256, cancellationToken).ConfigureAwait(false) is { } stream)
                {
                    return stream;
                }

                // Gone with its generation (deleted meanwhile) is "not listed"; gone while still listed is damage.
                var again = await _manifests.ReadAsync(generationId, cancellationToken).ConfigureAwait(false);
                return again is { } current && ManifestLookup.Find(current.Manifest.Files, path)?.Sha256 == file.Sha256
                    ? throw MissingContent(generationId, file)
                    : (Stream?)null;
            },
            () => $"reading {FilePathValidator.Show(path)} of generation '{generationId}'",
            cancellationToken);
    }

    public ValueTask WriteArchiveAsync(string generationId, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return GuardAsync(
            async () =>
            {
                var stored = await ReadExistingAsync(generationId, cancellationToken).ConfigureAwait(false);
                // Content is never removed while a manifest lists it, so a missing blob is damage to report: the zip fails
                // rather than leaving the file out (the shared writer leaves out only what its opener says is gone).
                await ZipArchiveWriter.WriteAsync(
                    stored.Manifest.ToManifest(),
                    async (file, ct) => await _contents.TryOpenAsync(file.Sha256, ct).ConfigureAwait(false) ?? throw MissingContent(generationId, file),
                    destination,
                    _timeProvider.GetUtcNow(),
                    cancellationToken).ConfigureAwait(false);
            },
            () => $"writing the archive of generation '{generationId}'",
            cancellationToken);
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

        // What the manifest, any intent left by a failed save and the dropped records list are the candidates: read each
        // before removing it, the manifest first.
        var manifestName = BlobLayout.Manifest(generationId);
        var candidates = new HashSet<string>(StringComparer.Ordinal);
        var deletedManifest = false;
        foreach (var name in names.OrderBy(n => n == manifestName ? 0 : 1))
        {
            try
            {
                if (await _manifests.ReadListedAsync(name, generationId, cancellationToken).ConfigureAwait(false) is { } listed)
                {
                    candidates.UnionWith(listed.ContentHashes());
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

    private async ValueTask<bool> NamesContentAsync(string generationId, string sha256, CancellationToken cancellationToken) =>
        (await _manifests.ReadAsync(generationId, cancellationToken).ConfigureAwait(false))?.Manifest.ContentHashes().Contains(sha256, StringComparer.Ordinal) == true;

    private async ValueTask<StoredManifest> ReadSourceAsync(string sourceGenerationId, CancellationToken cancellationToken) =>
        (GenerationStorageId.IsValid(sourceGenerationId) ? await _manifests.ReadAsync(sourceGenerationId, cancellationToken).ConfigureAwait(false) : null)?.Manifest
            ?? throw new GenerationNotFoundException(sourceGenerationId);

    private async ValueTask<VersionedManifest> ReadExistingAsync(string generationId, CancellationToken cancellationToken) =>
        (GenerationStorageId.IsValid(generationId) ? await _manifests.ReadAsync(generationId, cancellationToken).ConfigureAwait(false) : null)
            ?? throw new GenerationNotFoundException(generationId ?? string.Empty);

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

    private FileNotFoundException MissingContent(string generationId, GenerationFile file) => new(
        $"The content of {FilePathValidator.Show(file.Path)} in generation '{generationId}' is missing from blob storage: blob '{BlobLayout.Content(file.Sha256)}' in container '{_container.Name}' was deleted outside the sink.",
        file.Path);
}
