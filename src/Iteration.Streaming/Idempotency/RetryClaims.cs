using System.Globalization;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.Records;

namespace Iteration.Streaming.Idempotency;

/// <summary>
/// Bounds retries with claims in the <see cref="IIdempotencyStore"/>, so the bound holds across instances: the n-th
/// retry of a chain (a generation, its retries, their retries …) claims the key <c>retry:{first}:{n}</c>. The claim is
/// atomic, so of concurrent retries of one chain exactly one is admitted; a slot whose retry is still live refuses the
/// next one (409 naming it), and once every slot up to <c>MaxRetriesPerGeneration</c> is taken the chain is done.
/// </summary>
/// <remarks>
/// A slot keeps its retry's id for the time the engine retains an ended generation, plus a day: a chain whose first
/// generation was deleted by retention starts its count again from its oldest remaining member.
/// </remarks>
internal sealed class RetryClaims(IIdempotencyStore store, IGenerationRecordStore records, TimeProvider timeProvider)
{
    /// <summary>How long a claim whose admission never finished (a crashed instance) blocks its slot.</summary>
    public static readonly TimeSpan PendingLease = TimeSpan.FromMinutes(1);

    public const string SettingName = "IterationStreaming:MaxRetriesPerGeneration";

    /// <summary>Claims the next retry slot of <paramref name="retried"/>'s chain, or throws the 409 that says why not.</summary>
    public async ValueTask<RetryClaim> ClaimAsync(GenerationRecord retried, int maxRetries, CancellationToken cancellationToken)
    {
        var first = await FirstOfChainAsync(retried, maxRetries, cancellationToken).ConfigureAwait(false);
        var nonce = Guid.NewGuid().ToString("N");
        for (var slot = 1; slot <= maxRetries; slot++)
        {
            var key = string.Create(CultureInfo.InvariantCulture, $"retry:{first}:{slot}");
            var claim = new IdempotencyEntry { Key = key, Fingerprint = nonce, ExpiresAt = timeProvider.GetUtcNow() + PendingLease };
            if (await store.TryAddAsync(claim, cancellationToken).ConfigureAwait(false) is not { } held)
            {
                return new RetryClaim(store, key, nonce);
            }

            if (held.Result is not { } retryId)
            {
                throw new GenerationConflictException(
                    $"Generation '{retried.GenerationId}' is being retried by another request right now; watch the retry that request started.");
            }

            var retry = await records.GetAsync(retryId, cancellationToken).ConfigureAwait(false);
            if (retry is not null && !GenerationStatus.IsTerminal(retry.Status))
            {
                throw new GenerationConflictException(
                    $"Generation '{retried.GenerationId}' is being retried already: retry '{retryId}' of its chain is {retry.Status}. Watch that one, or cancel it before retrying again.");
            }
        }

        throw new GenerationConflictException(
            $"Generation '{retried.GenerationId}' cannot be retried again: its chain has been retried {maxRetries} times, the most that {SettingName} allows. Start a new generation instead.");
    }

    private async ValueTask<string> FirstOfChainAsync(GenerationRecord retried, int maxRetries, CancellationToken cancellationToken)
    {
        var current = retried;
        for (var hops = 0; hops <= maxRetries && current.RetryOf is { } earlier; hops++)
        {
            if (await records.GetAsync(earlier, cancellationToken).ConfigureAwait(false) is not { } previous)
            {
                break;
            }

            current = previous;
        }

        return current.GenerationId;
    }
}
