using Azure;
using Iteration.Streaming.Azure.Storage.Blobs.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.Azure.Storage.Blobs.Files;

/// <summary>
/// Retention's mark and sweep: of the contents a deleted generation listed, deletes those that no manifest (its files or
/// any state of its history) and no save in progress names any more.
/// </summary>
/// <remarks>
/// Safe against a concurrent save, in three steps: (1) note each candidate's ETag; (2) read every generation's intents,
/// then its manifest, and drop the candidates they list; (3) delete each remaining candidate only if its ETag is still
/// the one noted. A save writes its intent before it uploads or touches its contents and writes its manifest after, so
/// either step 2 sees the intent (or the manifest that replaced it), or the intent came after step 1 and the save's
/// touch changed the ETag, and step 3 leaves the content alone.
/// </remarks>
internal sealed class ContentSweeper(ManifestStore manifests, ContentStore contents, int maxConcurrency, ILogger logger)
{
    public async ValueTask<int> SweepAsync(IReadOnlyCollection<string> candidates, CancellationToken cancellationToken)
    {
        var seen = new Dictionary<string, ETag>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(candidates, Options(cancellationToken), async (sha256, ct) =>
        {
            if (await contents.GetETagAsync(sha256, ct).ConfigureAwait(false) is { } etag)
            {
                lock (seen)
                {
                    seen[sha256] = etag;
                }
            }
        }).ConfigureAwait(false);

        if (seen.Count == 0 || !await MarkAsync(seen, cancellationToken).ConfigureAwait(false))
        {
            return 0;
        }

        var deleted = 0;
        await Parallel.ForEachAsync(seen.ToArray(), Options(cancellationToken), async (candidate, ct) =>
        {
            if (await contents.DeleteIfUnchangedAsync(candidate.Key, candidate.Value, ct).ConfigureAwait(false))
            {
                Interlocked.Increment(ref deleted);
            }
        }).ConfigureAwait(false);
        return deleted;
    }

    /// <summary>Removes from <paramref name="unreferenced"/> what any generation lists; <see langword="false"/> to sweep nothing.</summary>
    private async ValueTask<bool> MarkAsync(Dictionary<string, ETag> unreferenced, CancellationToken cancellationToken)
    {
        var generations = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        await foreach (var name in manifests.ListAsync(null, cancellationToken).ConfigureAwait(false))
        {
            if (BlobLayout.TryParseGenerationBlob(name, out var generationId, out var isIntent))
            {
                if (!generations.TryGetValue(generationId, out var intents))
                {
                    generations.Add(generationId, intents = []);
                }

                if (isIntent)
                {
                    intents.Add(name);
                }
            }
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            await Parallel.ForEachAsync(generations, Options(stop.Token), async (generation, ct) =>
            {
                // Intents first, then the manifest: an intent removed meanwhile was replaced by that manifest.
                foreach (var intent in generation.Value)
                {
                    Mark(await manifests.ReadListedAsync(intent, generation.Key, ct).ConfigureAwait(false));
                }

                Mark((await manifests.ReadAsync(generation.Key, ct).ConfigureAwait(false))?.Manifest);
            }).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // Every candidate is referenced: nothing more to read.
        }
        catch (InvalidDataException ex)
        {
            // A manifest we cannot read may list anything: keep every candidate rather than guess.
            Log.SweepAbandoned(logger, ex);
            return false;
        }

        return true;

        void Mark(StoredManifest? listed)
        {
            if (listed is null)
            {
                return;
            }

            lock (unreferenced)
            {
                // Every state of its history counts: a diff, a revert or a fork may read any of them.
                foreach (var sha256 in listed.ContentHashes())
                {
                    unreferenced.Remove(sha256);
                }

                if (unreferenced.Count == 0)
                {
                    stop.Cancel();
                }
            }
        }
    }

    private ParallelOptions Options(CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = maxConcurrency, CancellationToken = cancellationToken };
}
