using Azure.Storage.Blobs;
using Iteration.Streaming.Azure.Storage.Blobs.Diagnostics;
using Iteration.Streaming.Files;
using Iteration.Streaming.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Azure.Storage.Blobs.Files;

/// <summary>
/// Every write of a generation's manifest, one protocol for all: announce the manifest about to be written (an intent),
/// put each content it newly lists in place (upload, or touch when already there), then write the manifest on
/// condition (<c>If-None-Match: *</c> to create, <c>If-Match</c> to replace), and finally drop the intent.
/// </summary>
/// <remarks>
/// So a manifest only ever lists contents that exist, and a retention sweep running meanwhile sees the intent or the
/// touch (<see cref="ContentSweeper"/>). A failed save keeps its intent: it is removed with its generation, and the
/// contents it uploaded with it. Contents a save stops listing stay named by the manifest's history.
/// </remarks>
internal sealed class GenerationWriter(
    BlobContainerClient container,
    ManifestStore manifests,
    ContentStore contents,
    IOptionsMonitor<IterationStreamingOptions> options,
    int maxConcurrency,
    ILogger logger)
{
    private readonly Lock _containerGate = new();
    private Task? _containerReady;

    /// <summary>Creates an empty manifest, its history one empty state (phase 0).</summary>
    public async ValueTask CreateAsync(string generationId, CancellationToken cancellationToken)
    {
        await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
        var manifest = new StoredManifest { GenerationId = generationId, Files = [] }.WithHistory(FileHistory.Empty);
        if (!await manifests.TryCreateAsync(manifest, cancellationToken).ConfigureAwait(false))
        {
            throw Exists(generationId);
        }
    }

    /// <summary>
    /// Creates a manifest that lists another generation's contents without copying them: its files and every content its
    /// history names. For an iteration (<paramref name="keepsPhases"/> false) a content that is gone is left out (the
    /// iteration's validation names the file as missing) and the history is the carried files (phase 0); a retry or a
    /// fork skips the phases its source saved, so none of their contents may be missing.
    /// </summary>
    public async ValueTask CreateSharingAsync(StoredManifest manifest, string sourceGenerationId, bool keepsPhases, CancellationToken cancellationToken)
    {
        await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
        if (await manifests.ExistsAsync(manifest.GenerationId, cancellationToken).ConfigureAwait(false))
        {
            throw Exists(manifest.GenerationId);
        }

        var intent = await manifests.WriteIntentAsync(manifest, cancellationToken).ConfigureAwait(false);
        var missing = new HashSet<string>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(manifest.ContentHashes().Distinct(StringComparer.Ordinal), Parallelism(cancellationToken), async (sha256, ct) =>
        {
            if (!await contents.TouchAsync(sha256, ct).ConfigureAwait(false))
            {
                lock (missing)
                {
                    missing.Add(sha256);
                }
            }
        }).ConfigureAwait(false);

        if (missing.Count > 0)
        {
            if (keepsPhases)
            {
                var lost = manifest.ToHistory().Entries.SelectMany(static e => e.Written).First(f => missing.Contains(f.Sha256));
                var what = manifest.ForkedFrom is null ? "retried" : "forked";
                throw new FileNotFoundException(
                    $"Generation '{sourceGenerationId}' cannot be {what} as '{manifest.GenerationId}': the content of {FilePathValidator.Show(lost.Path)} is missing from blob storage (blob '{BlobLayout.Content(lost.Sha256)}' in container '{container.Name}').",
                    lost.Path);
            }

            foreach (var file in manifest.Files.Where(f => missing.Contains(f.Sha256)))
            {
                Log.ParentFileNotCarried(logger, manifest.GenerationId, sourceGenerationId, file.Path);
            }

            var carried = manifest.Files.Where(f => !missing.Contains(f.Sha256)).ToArray();
            manifest = (manifest with { Files = carried }).WithHistory(new FileHistory([new FileHistoryEntry { Phase = 0, Written = carried }]));
        }

        if (!await manifests.TryCreateAsync(manifest, cancellationToken).ConfigureAwait(false))
        {
            throw Exists(manifest.GenerationId);
        }

        await RemoveIntentAsync(intent).ConfigureAwait(false);
    }

    /// <summary>
    /// Saves one phase over the manifest read as <paramref name="current"/>: the files and one more history entry (even
    /// when nothing changed, so the phase reads as saved), in one conditional write.
    /// </summary>
    /// <remarks>
    /// Contents the phase stops listing stay named by the history, so retention finds them when the generation is
    /// deleted (earlier versions noted them in <c>dropped/</c> records, which deletion still reads).
    /// </remarks>
    public async ValueTask<FileManifest> SavePhaseAsync(VersionedManifest current, int phase, IReadOnlyList<GeneratedFile> files, CancellationToken cancellationToken)
    {
        var generationId = current.Manifest.GenerationId;
        if (current.Manifest.IsComplete)
        {
            throw new InvalidOperationException($"The files of generation '{generationId}' are complete; nothing more can be saved.");
        }

        // The same rules as every sink: paths, sizes, case and file/folder clashes, MaxGenerationBytes.
        var changes = FileManifestChanges.Compute(current.Manifest.Files, phase, files, options.CurrentValue);
        var history = current.Manifest.ToHistory().Append(phase, current.Manifest.Files, changes.Files);
        var updated = (current.Manifest with { Files = changes.Files }).WithHistory(history);

        // Only new contents need an intent: what the manifest names already stays named until the replacement names it.
        string? intent = null;
        if (changes.Contents.Count > 0)
        {
            intent = await manifests.WriteIntentAsync(updated, cancellationToken).ConfigureAwait(false);
            await Parallel.ForEachAsync(
                changes.Contents,
                Parallelism(cancellationToken),
                async (write, ct) => await contents.EnsureAsync(write.Key, write.Value, ct).ConfigureAwait(false)).ConfigureAwait(false);
        }

        if (await manifests.TryReplaceAsync(updated, current.ETag, cancellationToken).ConfigureAwait(false) is null)
        {
            throw Conflict(generationId, $"while phase {phase} was being saved; phase {phase} was not recorded");
        }

        await RemoveIntentAsync(intent).ConfigureAwait(false);
        return updated.ToManifest();
    }

    /// <summary>Marks the manifest read as <paramref name="current"/> complete.</summary>
    public async ValueTask CompleteAsync(VersionedManifest current, CancellationToken cancellationToken)
    {
        if (!current.Manifest.IsComplete
            && await manifests.TryReplaceAsync(current.Manifest with { IsComplete = true }, current.ETag, cancellationToken).ConfigureAwait(false) is null)
        {
            throw Conflict(current.Manifest.GenerationId, "while it was being completed");
        }
    }

    private async ValueTask RemoveIntentAsync(string? intent)
    {
        if (intent is null)
        {
            return;
        }

        try
        {
            // Not the caller's token: the manifest is written, and the intent is only garbage now.
            await manifests.DeleteAsync(intent, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (BlobFailures.IsStorageFailure(ex, CancellationToken.None))
        {
            Log.IntentNotRemoved(logger, intent, ex);
        }
    }

    /// <summary>Creates the container once; a failed attempt is tried again by the next write.</summary>
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
        await container.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
        Log.ContainerReady(logger, container.Name);
    }

    private ParallelOptions Parallelism(CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = maxConcurrency, CancellationToken = cancellationToken };

    private InvalidOperationException Conflict(string generationId, string when)
    {
        Log.ManifestConflict(logger, generationId);
        return new InvalidOperationException(
            $"The manifest of generation '{generationId}' was changed or removed by another writer {when}. A generation has one writer at a time.");
    }

    private static InvalidOperationException Exists(string generationId) =>
        new($"Files storage for generation '{generationId}' exists already.");
}
