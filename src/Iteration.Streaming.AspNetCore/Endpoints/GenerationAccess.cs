using Iteration.Streaming.AspNetCore.Diagnostics;
using Iteration.Streaming.AspNetCore.Http;
using Iteration.Streaming.AspNetCore.Security;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Iteration.Streaming.AspNetCore.Endpoints;

/// <summary>
/// The gate of every per-generation endpoint. Reads (stream, snapshot, files, archive) take either token, from
/// <c>?token=</c> or <c>Authorization: Bearer</c>, but a control token in a URL is refused; without a token, the
/// caller's ownership. Actions (iterate from a parent, cancel, retry, input) take the control token from the
/// <c>Authorization</c> header only, or the caller's ownership (see <see cref="IGenerationOwnerResolver"/>). Refusals:
/// 401 missing, malformed, forged or expired token, or a token in the wrong place; 403 a token of another generation, or
/// a read token for an action. Another user's generation by ownership is refused as without a token (401), and whether
/// a generation exists (404) is answered only after access is granted, so a caller learns nothing about which ids exist.
/// </summary>
internal static class GenerationAccess
{
    private const string InvalidToken = "Bearer error=\"invalid_token\"";
    private const string InsufficientScope = "Bearer error=\"insufficient_scope\"";

    /// <summary>Checks the route's id (400) and the read access to it; the id, or <see langword="null"/> when refused (answered).</summary>
    public static async ValueTask<string?> AuthorizeReadAsync(HttpContext context, ILogger logger)
    {
        if (await GetRouteIdAsync(context, logger).ConfigureAwait(false) is not { } id)
        {
            return null;
        }

        var tokens = context.RequestServices.GetRequiredService<IStreamTokenService>();
        var (token, inUrl) = RequestValues.GetToken(context.Request);
        if (token is null && await IsCallerOwnerAsync(context, id).ConfigureAwait(false))
        {
            return id;
        }

        if (!inUrl)
        {
            var status = await tokens.ValidateAsync(id, token, StreamTokenScope.Read, context.RequestAborted).ConfigureAwait(false);
            if (status == StreamTokenStatus.Valid)
            {
                return id;
            }

            // A bearer value not shaped like a stream token at all is the host's own credential (a JWT its authentication
            // accepted), not a bad stream token: its owner reads by ownership. Forged, expired or foreign tokens stay refused.
            if (status == StreamTokenStatus.Malformed && IsAuthenticated(context) && await IsCallerOwnerAsync(context, id).ConfigureAwait(false))
            {
                return id;
            }

            await RefuseAsync(context, logger, id, status).ConfigureAwait(false);
            return null;
        }

        // Checked as for an action: a control token is Valid (and refused here), a live read token InsufficientScope.
        var urlStatus = await tokens.ValidateAsync(id, token, StreamTokenScope.Control, context.RequestAborted).ConfigureAwait(false);
        switch (urlStatus)
        {
            case StreamTokenStatus.InsufficientScope:
                return id;
            case StreamTokenStatus.Valid:
                Log.ControlTokenInUrl(logger, id);
                await WriteAsync(
                    context, logger, StatusCodes.Status401Unauthorized, InvalidToken,
                    "A control token must never travel in a URL (URLs end up in logs and browser history): send it as " +
                    "'Authorization: Bearer <control_token>', or put the sse_token in '?token='.").ConfigureAwait(false);
                return null;
            default:
                await RefuseAsync(context, logger, id, urlStatus).ConfigureAwait(false);
                return null;
        }
    }

    /// <summary>Checks the route's id (400); the id, or <see langword="null"/> when refused (answered).</summary>
    public static async ValueTask<string?> GetRouteIdAsync(HttpContext context, ILogger logger)
    {
        var id = context.Request.RouteValues["id"] as string;
        if (RequestValues.IsGenerationId(id))
        {
            return id;
        }

        await Problems.BadRequest(context, logger, RequestValues.GenerationIdError("id")).ConfigureAwait(false);
        return null;
    }

    /// <summary>
    /// Checks that the caller may act on <paramref name="generationId"/>: its control token in the Authorization header,
    /// or (with an owner resolver) being its recorded owner. Answers the refusal itself.
    /// </summary>
    /// <returns>Whether the action is allowed, and the caller's user id when an owner resolver knows one.</returns>
    public static async ValueTask<(bool Allowed, string? UserId)> AuthorizeActionAsync(HttpContext context, string generationId, ILogger logger)
    {
        var userId = await ResolveUserAsync(context).ConfigureAwait(false);
        if (RequestValues.HasQueryToken(context.Request))
        {
            Log.ActionTokenInUrl(logger, generationId);
            await WriteAsync(
                context, logger, StatusCodes.Status401Unauthorized, InvalidToken,
                "Actions never take a token from the URL (URLs end up in logs and browser history): send the control token as " +
                "'Authorization: Bearer <control_token>'.").ConfigureAwait(false);
            return (false, userId);
        }

        var tokens = context.RequestServices.GetRequiredService<IStreamTokenService>();
        var status = await tokens.ValidateAsync(
            generationId, RequestValues.GetBearerToken(context.Request), StreamTokenScope.Control, context.RequestAborted).ConfigureAwait(false);
        if (status == StreamTokenStatus.Valid)
        {
            return (true, userId);
        }

        if (userId is not null && await IsOwnerAsync(context, generationId, userId).ConfigureAwait(false))
        {
            return (true, userId);
        }

        await RefuseAsync(context, logger, generationId, status).ConfigureAwait(false);
        return (false, userId);
    }

    /// <summary>
    /// Checks that the caller may read a second generation a request names besides the route's (the <c>against</c> of a
    /// diff, the <c>to</c> of a revert): its sse_token or control token in the query parameter <paramref name="tokenQuery"/>,
    /// or (with an owner resolver) being its recorded owner. A refusal (401 or 403) names the generation after
    /// <paramref name="label"/>, so the caller knows which of the two was refused; answered here.
    /// </summary>
    /// <returns>Whether reading it is allowed.</returns>
    public static async ValueTask<bool> AuthorizeOtherReadAsync(HttpContext context, string generationId, string tokenQuery, string label, ILogger logger)
    {
        var prefix = $"{label} generation '{generationId}': ";
        var values = RequestValues.GetQueryValues(context.Request, tokenQuery);
        if (values.Count > 1)
        {
            await Problems.BadRequest(context, logger, $"'{tokenQuery}' was sent more than once; send it once.").ConfigureAwait(false);
            return false;
        }

        var token = values.Count == 1 ? values[0] : null;
        if (string.IsNullOrEmpty(token))
        {
            if (await IsCallerOwnerAsync(context, generationId).ConfigureAwait(false))
            {
                return true;
            }

            Log.TokenRefused(logger, generationId, StreamTokenStatus.Missing);
            await WriteAsync(
                context, logger, StatusCodes.Status401Unauthorized, "Bearer",
                prefix + $"a token is required: send its sse_token (or control_token) in '?{tokenQuery}='.").ConfigureAwait(false);
            return false;
        }

        // Read scope: either of its tokens reads it.
        var tokens = context.RequestServices.GetRequiredService<IStreamTokenService>();
        var status = await tokens.ValidateAsync(generationId, token, StreamTokenScope.Read, context.RequestAborted).ConfigureAwait(false);
        if (status == StreamTokenStatus.Valid)
        {
            return true;
        }

        Log.TokenRefused(logger, generationId, status);
        await RefuseAsync(context, logger, status, prefix).ConfigureAwait(false);
        return false;
    }

    /// <summary>The caller's user id from the registered <see cref="IGenerationOwnerResolver"/>; none without one.</summary>
    public static async ValueTask<string?> ResolveUserAsync(HttpContext context)
    {
        if (context.RequestServices.GetService<IGenerationOwnerResolver>() is not { } resolver)
        {
            return null;
        }

        var userId = await resolver.GetUserIdAsync(context).ConfigureAwait(false);
        return string.IsNullOrEmpty(userId) ? null : userId;
    }

    /// <summary>
    /// Whether the request comes from the host's own pages as far as the browser says: no <c>Sec-Fetch-Site</c> (not a
    /// browser, or an old one), or <c>same-origin</c> or <c>none</c> (typed in, a bookmark). A cookie would be sent along by
    /// another site's form, image or script too: ownership counts only for requests from our own pages.
    /// </summary>
    public static bool IsSameOrigin(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"];
        return site.Count == 0 || (site.Count == 1 && site[0] is "same-origin" or "none");
    }

    /// <summary>Whether the caller is the recorded owner of <paramref name="generationId"/> (with an owner resolver, from our own pages).</summary>
    internal static async ValueTask<bool> IsCallerOwnerAsync(HttpContext context, string generationId) =>
        await ResolveUserAsync(context).ConfigureAwait(false) is { } userId
        && await IsOwnerAsync(context, generationId, userId).ConfigureAwait(false);

    private static bool IsAuthenticated(HttpContext context) => context.User.Identities.Any(static i => i.IsAuthenticated);

    private static async ValueTask<bool> IsOwnerAsync(HttpContext context, string generationId, string userId)
    {
        if (!IsSameOrigin(context.Request))
        {
            return false;
        }

        var engine = context.RequestServices.GetRequiredService<IIterationEngine>();
        var record = await engine.GetRecordAsync(generationId, context.RequestAborted).ConfigureAwait(false);
        return record?.UserId is { } owner && string.Equals(owner, userId, StringComparison.Ordinal);
    }

    private static Task RefuseAsync(HttpContext context, ILogger logger, string id, StreamTokenStatus status)
    {
        Log.TokenRefused(logger, id, status);
        return RefuseAsync(context, logger, status, detailPrefix: null);
    }

    /// <summary>Answers a token's refusal (401 or 403 with its challenge), the detail after <paramref name="detailPrefix"/> when given.</summary>
    internal static Task RefuseAsync(HttpContext context, ILogger logger, StreamTokenStatus status, string? detailPrefix)
    {
        var (statusCode, challenge, detail) = status switch
        {
            StreamTokenStatus.Missing => (StatusCodes.Status401Unauthorized, "Bearer",
                "A token is required: send 'Authorization: Bearer <sse_token>' or '?token=<sse_token>' to read, " +
                "and 'Authorization: Bearer <control_token>' to iterate, cancel or retry."),
            StreamTokenStatus.Malformed => (StatusCodes.Status401Unauthorized, InvalidToken,
                "The token is malformed."),
            StreamTokenStatus.InvalidSignature => (StatusCodes.Status401Unauthorized, InvalidToken,
                "The token's signature is not valid."),
            StreamTokenStatus.Expired => (StatusCodes.Status401Unauthorized, InvalidToken,
                "The token has expired: the generation ended more than the grace period ago, the token reached its maximum lifetime, or the generation no longer exists."),
            StreamTokenStatus.InsufficientScope => (StatusCodes.Status403Forbidden, InsufficientScope,
                "The sse_token only reads: iterating, cancelling and retrying need the generation's control_token in 'Authorization: Bearer'."),
            _ => (StatusCodes.Status403Forbidden, InsufficientScope,
                "The token was issued for another generation."),
        };

        return WriteAsync(context, logger, statusCode, challenge, detailPrefix + detail);
    }

    private static Task WriteAsync(HttpContext context, ILogger logger, int statusCode, string challenge, string detail)
    {
        context.Response.Headers[HeaderNames.WWWAuthenticate] = challenge;
        return Problems.WriteAsync(context, logger, statusCode, detail);
    }
}
