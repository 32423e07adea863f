using System.Security.Cryptography;
using System.Text;
using Iteration.Streaming.AspNetCore.Diagnostics;
using Iteration.Streaming.AspNetCore.Http;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Idempotency;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Iteration.Streaming.AspNetCore.Endpoints;

/// <summary>
/// The <c>Idempotency-Key</c> header of start, iterate and retry (as the IETF draft
/// <c>draft-ietf-httpapi-idempotency-key-header</c> defines it): the first request with a key claims it in the shared
/// <see cref="IIdempotencyStore"/>; a later one with the same key from the same caller gets the first one's 202 again
/// (the same generation, fresh tokens for it) while the key lives (<c>IdempotencyKeyLifetime</c>), 409 while the first
/// is still being admitted, and 422 when its request differs (another body or endpoint). A request that was refused or
/// failed lets go of its key, so the client may send it again with the same key.
/// </summary>
internal sealed class IdempotentRequest
{
    public const string HeaderName = "Idempotency-Key";

    /// <summary>Marks a replayed answer, as payment APIs do.</summary>
    public const string ReplayedHeaderName = "Idempotent-Replayed";

    public const int MaxKeyLength = 255;

    private readonly IIdempotencyStore _store;
    private readonly string _key;
    private readonly string _fingerprint;

    private IdempotentRequest(IIdempotencyStore store, string key, string fingerprint)
    {
        _store = store;
        _key = key;
        _fingerprint = fingerprint;
    }

    /// <summary>
    /// Reads the header: <see langword="null"/> without one; otherwise the key, or the 400 that says what is wrong with it.
    /// </summary>
    public static (string? Key, RequestError? Error) ReadKey(HttpRequest request)
    {
        var values = request.Headers[HeaderName];
        if (values.Count == 0)
        {
            return (null, null);
        }

        if (values.Count > 1)
        {
            return (null, new(StatusCodes.Status400BadRequest, $"The {HeaderName} header must be sent once."));
        }

        var key = values[0];
        if (string.IsNullOrEmpty(key) || key.Length > MaxKeyLength || key.Any(static c => c is < '!' or > '~'))
        {
            return (null, new(
                StatusCodes.Status400BadRequest,
                $"The {HeaderName} header must be 1 to {MaxKeyLength} printable ASCII characters without spaces, such as a UUID."));
        }

        return (key, null);
    }

    /// <summary>
    /// Claims <paramref name="key"/> for this request (<paramref name="operation"/> and <paramref name="request"/> make
    /// its fingerprint). Returns the claim to complete, or <see langword="null"/> when the request has been answered: the
    /// replayed 202, 409 or 422.
    /// </summary>
    public static async ValueTask<IdempotentRequest?> BeginAsync(
        HttpContext context,
        ILogger logger,
        string key,
        string? userId,
        string operation,
        string request,
        Func<string, string?, Task> replay)
    {
        var services = context.RequestServices;
        var store = services.GetRequiredService<IIdempotencyStore>();
        var clock = services.GetRequiredService<TimeProvider>();

        // "Same caller": the owner resolver's user when there is one, else the key alone. Hashed: no raw key or user id is stored.
        var scoped = "http:" + Hash((userId is null ? "anonymous" : "user:" + userId) + "\n" + key);
        var fingerprint = Hash(operation + "\n" + request);
        var claim = new IdempotencyEntry { Key = scoped, Fingerprint = fingerprint, ExpiresAt = clock.GetUtcNow() + RetryClaims.PendingLease };
        if (await store.TryAddAsync(claim, context.RequestAborted).ConfigureAwait(false) is not { } held)
        {
            return new IdempotentRequest(store, scoped, fingerprint);
        }

        if (!string.Equals(held.Fingerprint, fingerprint, StringComparison.Ordinal))
        {
            await Problems.WriteAsync(
                context, logger, StatusCodes.Status422UnprocessableEntity,
                $"This {HeaderName} was used for a different request (another body or endpoint): use a new key for a new request.").ConfigureAwait(false);
            return null;
        }

        if (held.Result is not { } result)
        {
            context.Response.Headers[HeaderNames.RetryAfter] = "1";
            await Problems.WriteAsync(
                context, logger, StatusCodes.Status409Conflict,
                $"A request with this {HeaderName} is still being processed: send it again once that one has answered.").ConfigureAwait(false);
            return null;
        }

        var (generationId, retryOf) = Parse(result);
        Log.IdempotentReplay(logger, generationId);
        context.Response.Headers[ReplayedHeaderName] = "true";
        await replay(generationId, retryOf).ConfigureAwait(false);
        return null;
    }

    /// <summary>Remembers the started generation for the key's lifetime.</summary>
    public ValueTask<bool> CompleteAsync(HttpContext context, string generationId, string? retryOf)
    {
        var services = context.RequestServices;
        var lifetime = services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<IterationStreamingOptions>>().CurrentValue.IdempotencyKeyLifetime;
        var expiresAt = services.GetRequiredService<TimeProvider>().GetUtcNow() + lifetime;

        // The run started whatever the client does now: remembered even when the client went away.
        return _store.CompleteAsync(_key, _fingerprint, generationId + "\n" + retryOf, expiresAt, CancellationToken.None);
    }

    /// <summary>The request was refused or failed: the key is free for the client's next try.</summary>
    public ValueTask<bool> ReleaseAsync() => _store.RemoveAsync(_key, _fingerprint, CancellationToken.None);

    private static (string GenerationId, string? RetryOf) Parse(string result)
    {
        var separator = result.IndexOf('\n', StringComparison.Ordinal);
        return separator < 0
            ? (result, null)
            : (result[..separator], separator == result.Length - 1 ? null : result[(separator + 1)..]);
    }

    private static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
