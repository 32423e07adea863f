using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Iteration.Streaming.Azure.Storage.Blobs.Files;

/// <summary>
/// The content blobs (<c>content/{sha256}</c>), shared by every generation that lists them. A writer that will list a
/// content either uploads it or <em>touches</em> it (a metadata write that changes its ETag); the retention sweep
/// deletes a content only if its ETag is still the one it saw before looking for references, so a content that a
/// save is about to list is never deleted under it.
/// </summary>
internal sealed class ContentStore(BlobContainerClient container)
{
    private static readonly BlobHttpHeaders OctetStream = new() { ContentType = "application/octet-stream" };

    // The service checks the bytes it received against this, so a content blob never holds other bytes than its name says.
    private static readonly UploadTransferValidationOptions Md5 = new() { ChecksumAlgorithm = StorageChecksumAlgorithm.MD5 };
    private static readonly Dictionary<string, string> NoMetadata = [];

    /// <summary>Makes sure the content exists and is marked as in use from now on.</summary>
    public async ValueTask EnsureAsync(string sha256, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var blob = container.GetBlobClient(BlobLayout.Content(sha256));

        // Upload only where absent; if present, touch it. A sweep may delete it between the two: then upload again.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await blob.UploadAsync(
                    BinaryData.FromBytes(content),
                    new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All }, HttpHeaders = OctetStream, TransferValidation = Md5 },
                    cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RequestFailedException ex) when (BlobFailures.IsAlreadyExists(ex) || BlobFailures.IsConditionNotMet(ex))
            {
            }

            if (await TouchAsync(sha256, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            if (attempt == 3)
            {
                throw new IOException($"The content blob '{blob.Name}' kept disappearing while it was being saved (container '{container.Name}').");
            }
        }
    }

    /// <summary>Marks an existing content as in use; <see langword="false"/> when it does not exist.</summary>
    public async ValueTask<bool> TouchAsync(string sha256, CancellationToken cancellationToken)
    {
        try
        {
            await container.GetBlobClient(BlobLayout.Content(sha256)).SetMetadataAsync(NoMetadata, cancellationToken: cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (BlobFailures.IsNotFound(ex))
        {
            return false;
        }
    }

    /// <summary>Opens the content for reading, or returns <see langword="null"/> when it does not exist.</summary>
    public async ValueTask<Stream?> TryOpenAsync(string sha256, CancellationToken cancellationToken)
    {
        try
        {
            var response = await container.GetBlobClient(BlobLayout.Content(sha256))
                .DownloadStreamingAsync(new BlobDownloadOptions(), cancellationToken).ConfigureAwait(false);
            return response.Value.Content;
        }
        catch (RequestFailedException ex) when (BlobFailures.IsNotFound(ex))
        {
            return null;
        }
    }

    /// <summary>The content's current ETag, or <see langword="null"/> when it does not exist.</summary>
    public async ValueTask<ETag?> GetETagAsync(string sha256, CancellationToken cancellationToken)
    {
        try
        {
            var properties = await container.GetBlobClient(BlobLayout.Content(sha256)).GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return properties.Value.ETag;
        }
        catch (RequestFailedException ex) when (BlobFailures.IsNotFound(ex))
        {
            return null;
        }
    }

    /// <summary>Deletes the content if nobody touched it since its ETag was <paramref name="seen"/>.</summary>
    public async ValueTask<bool> DeleteIfUnchangedAsync(string sha256, ETag seen, CancellationToken cancellationToken)
    {
        try
        {
            var response = await container.GetBlobClient(BlobLayout.Content(sha256))
                .DeleteIfExistsAsync(DeleteSnapshotsOption.None, new BlobRequestConditions { IfMatch = seen }, cancellationToken).ConfigureAwait(false);
            return response.Value;
        }
        catch (RequestFailedException ex) when (BlobFailures.IsConditionNotMet(ex))
        {
            return false;
        }
    }
}
