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
/// contents it uploaded with it. Contents a save stops listing are noted, for the generation's deletion to remove.
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

    /// <summary>Creates an empty manifest.</summary>
    public async ValueTask CreateAsync(string generationId, CancellationToken cancellationToken)
    {
        await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
        if (!await manifests.TryCreateAsync(new StoredManifest { GenerationId = generationId, Files = [] }, cancellationToken).ConfigureAwait(false))
        {
            throw Exists(generationId);
        }
    }

    /// <summary>
    /// Creates a manifest that lists another generation's contents without copying them. A content that is gone is
    /// left out (an iteration's validation names the file as missing), or fails the creation when
    /// <paramref name="isRetry"/>: a retry skips the phases its source saved, so none of their files may go missing.
    /// </summary>
    public async ValueTask CreateSharingAsync(StoredManifest manifest, string sourceGenerationId, bool isRetry, CancellationToken cancellationToken)
    {
        await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
        if (await manifests.ExistsAsync(manifest.GenerationId, cancellationToken).ConfigureAwait(false))
        {
            throw Exists(manifest.GenerationId);
        }

        var intent = await manifests.WriteIntentAsync(manifest, cancellationToken).ConfigureAwait(false);
        var missing = new HashSet<string>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(manifest.Files.Select(static f => f.Sha256).Distinct(StringComparer.Ordinal), Parallelism(cancellationToken), async (sha256, ct) =>
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
            var lost = manifest.Files.Where(f => missing.Contains(f.Sha256)).ToArray();
            if (isRetry)
            {
                throw new FileNotFoundException(
                    $"Generation '{sourceGenerationId}' cannot be retried as '{manifest.GenerationId}': the content of {FilePathValidator.Show(lost[0].Path)} is missing from blob storage (blob '{BlobLayout.Content(lost[0].Sha256)}' in container '{container.Name}').",
                    lost[0].Path);
            }

            foreach (var file in lost)
            {
                Log.ParentFileNotCarried(logger, manifest.GenerationId, sourceGenerationId, file.Path);
            }

            manifest = manifest with { Files = manifest.Files.Where(f => !missing.Contains(f.Sha256)).ToArray() };
        }

        if (!await manifests.TryCreateAsync(manifest, cancellationToken).ConfigureAwait(false))
        {
            throw Exists(manifest.GenerationId);
        }

        await RemoveIntentAsync(intent).ConfigureAwait(false);
    }

    /// <summary>Saves one phase over the manifest read as <paramref name="current"/>.</summary>
    public async ValueTask<FileManifest> SavePhaseAsync(VersionedManifest current, int phase, IReadOnlyList<GeneratedFile> files, CancellationToken cancellationToken)
    {
        var generationId = current.Manifest.GenerationId;
        if (current.Manifest.IsComplete)
        {
            throw new InvalidOperationException($"The files of generation '{generationId}' are complete; nothing more can be saved.");
        }

        // The same rules as every sink: paths, sizes, case and file/folder clashes, MaxGenerationBytes.
        var changes = FileManifestChanges.Compute(current.Manifest.Files, phase, files, options.CurrentValue);
        var updated = current.Manifest with { Files = changes.Files };
        if (changes.Contents.Count == 0 && current.Manifest.Files.SequenceEqual(changes.Files))
        {
            return updated.ToManifest();
        }

        // Only new contents need an intent: what the manifest lists already stays listed until the replacement lists it.
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
        await RecordDroppedAsync(current.Manifest, updated).ConfigureAwait(false);
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

    /// <summary>
    /// Notes the contents the phase stopped listing, so that deleting the generation removes them too if nobody else
    /// lists them. Best effort: the phase is saved either way, and a note that failed only leaves content behind.
    /// </summary>
    private async ValueTask RecordDroppedAsync(StoredManifest before, StoredManifest after)
    {
        var kept = after.Files.Select(static f => f.Sha256).ToHashSet(StringComparer.Ordinal);
        var dropped = before.Files.Where(f => !kept.Contains(f.Sha256)).ToArray();
        if (dropped.Length == 0)
        {
            return;
        }

        try
        {
            await manifests.WriteDroppedAsync(after with { Files = dropped }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (BlobFailures.IsStorageFailure(ex, CancellationToken.None))
        {
            Log.DroppedNotRecorded(logger, after.GenerationId, dropped.Length, ex);
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
