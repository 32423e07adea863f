using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Files;

namespace Iteration.Streaming.Azure.Storage.Blobs.Files;

/// <summary>A manifest as read, with the ETag that a replacement must match.</summary>
internal readonly record struct VersionedManifest(StoredManifest Manifest, ETag ETag);

/// <summary>
/// Reads and writes manifests and save intents (<see cref="BlobLayout"/>). A manifest is created only where none exists
/// (<c>If-None-Match: *</c>) and replaced only when it is still the version read (<c>If-Match</c>), so two writers can
/// never interleave; everything read is checked before it is trusted.
/// </summary>
internal sealed class ManifestStore(BlobContainerClient container)
{
    // Paths were checked against MaxPathLength when written; a later, smaller limit must not hide saved files.
    private const int ManifestPathLimit = 4_096;

    private static readonly BlobHttpHeaders JsonHeaders = new() { ContentType = "application/json" };

    /// <summary>Reads a generation's manifest, or <see langword="null"/> when it has none.</summary>
    public async ValueTask<VersionedManifest?> ReadAsync(string generationId, CancellationToken cancellationToken)
    {
        var read = await ReadBlobAsync(BlobLayout.Manifest(generationId), generationId, cancellationToken).ConfigureAwait(false);
        return read is { } found ? new VersionedManifest(found.Manifest, found.ETag) : null;
    }

    /// <summary>Whether the generation has a manifest.</summary>
    public async ValueTask<bool> ExistsAsync(string generationId, CancellationToken cancellationToken) =>
        (await container.GetBlobClient(BlobLayout.Manifest(generationId)).ExistsAsync(cancellationToken).ConfigureAwait(false)).Value;

    /// <summary>Writes the first manifest of a generation; <see langword="false"/> when it has one already.</summary>
    public async ValueTask<bool> TryCreateAsync(StoredManifest manifest, CancellationToken cancellationToken)
    {
        try
        {
            await UploadAsync(BlobLayout.Manifest(manifest.GenerationId), manifest, new BlobRequestConditions { IfNoneMatch = ETag.All }, cancellationToken)
                .ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (BlobFailures.IsAlreadyExists(ex) || BlobFailures.IsConditionNotMet(ex))
        {
            return false;
        }
    }

    /// <summary>
    /// Replaces the manifest if it is still the version read; <see langword="null"/> when another writer changed or
    /// removed it meanwhile.
    /// </summary>
    public async ValueTask<ETag?> TryReplaceAsync(StoredManifest manifest, ETag ifMatch, CancellationToken cancellationToken)
    {
        try
        {
            return await UploadAsync(BlobLayout.Manifest(manifest.GenerationId), manifest, new BlobRequestConditions { IfMatch = ifMatch }, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (BlobFailures.IsConditionNotMet(ex) || BlobFailures.IsNotFound(ex))
        {
            return null;
        }
    }

    /// <summary>Records a save about to happen: the manifest it will write. Returns the intent's blob name.</summary>
    public async ValueTask<string> WriteIntentAsync(StoredManifest manifest, CancellationToken cancellationToken)
    {
        var name = BlobLayout.NewIntent(manifest.GenerationId);
        await UploadAsync(name, manifest, new BlobRequestConditions { IfNoneMatch = ETag.All }, cancellationToken).ConfigureAwait(false);
        return name;
    }

    /// <summary>Reads a manifest, an intent or a dropped record by blob name, or <see langword="null"/> when it is gone.</summary>
    public async ValueTask<StoredManifest?> ReadListedAsync(string blobName, string generationId, CancellationToken cancellationToken) =>
        (await ReadBlobAsync(blobName, generationId, cancellationToken).ConfigureAwait(false))?.Manifest;

    /// <summary>Removes a blob under the generation's folder; <see langword="false"/> when it was gone.</summary>
    public async ValueTask<bool> DeleteAsync(string blobName, CancellationToken cancellationToken) =>
        (await container.GetBlobClient(blobName).DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;

    /// <summary>Lists the blobs under <c>generations/</c>, or under one generation's folder.</summary>
    public async IAsyncEnumerable<string> ListAsync(
        string? generationId,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var prefix = generationId is null ? BlobLayout.GenerationsPrefix : BlobLayout.GenerationFolder(generationId);
        var pages = container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken);
        await foreach (var item in pages.ConfigureAwait(false))
        {
            yield return item.Name;
        }
    }

    private async ValueTask<ETag> UploadAsync(string blobName, StoredManifest manifest, BlobRequestConditions conditions, CancellationToken cancellationToken)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(manifest, BlobSinkJsonContext.Default.StoredManifest);
        var response = await container.GetBlobClient(blobName)
            .UploadAsync(BinaryData.FromBytes(bytes), new BlobUploadOptions { Conditions = conditions, HttpHeaders = JsonHeaders }, cancellationToken)
            .ConfigureAwait(false);
        return response.Value.ETag;
    }

    private async ValueTask<(StoredManifest Manifest, ETag ETag)?> ReadBlobAsync(string blobName, string generationId, CancellationToken cancellationToken)
    {
        BlobDownloadResult download;
        try
        {
            download = (await container.GetBlobClient(blobName).DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException ex) when (BlobFailures.IsNotFound(ex))
        {
            return null;
        }

        StoredManifest? stored;
        try
        {
            stored = JsonSerializer.Deserialize(download.Content.ToMemory().Span, BlobSinkJsonContext.Default.StoredManifest);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"The manifest of generation '{generationId}' ({blobName}) is not valid JSON.", ex);
        }

        // A manifest is ours to trust only when it is well formed: its hashes become blob names and its paths zip entry
        // names, and reads look paths up by binary search.
        if (stored is null
            || !string.Equals(stored.GenerationId, generationId, StringComparison.Ordinal)
            || stored.Files is null
            || !IsWellFormed(stored.Files)
            || (stored.History is not null && (!FileHistory.IsWellFormed(stored.History) || stored.StartPhase < 0)))
        {
            throw new InvalidDataException($"The manifest of generation '{generationId}' ({blobName}) is malformed.");
        }

        return (stored, download.Details.ETag);
    }

    private static bool IsWellFormed(IReadOnlyList<GenerationFile> files)
    {
        for (var i = 0; i < files.Count; i++)
        {
            var file = files[i];
            if (file is null
                || !BlobLayout.IsSha256(file.Sha256)
                || file.Size < 0
                || FilePathValidator.FindStoredProblem(file.Path, ManifestPathLimit) is not null
                || (i > 0 && string.CompareOrdinal(files[i - 1].Path, file.Path) >= 0))
            {
                return false;
            }
        }

        return true;
    }
}
