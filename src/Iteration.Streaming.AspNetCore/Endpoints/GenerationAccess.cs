using Iteration.Streaming.AspNetCore.Diagnostics;
using Iteration.Streaming.AspNetCore.Http;
using Iteration.Streaming.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Iteration.Streaming.AspNetCore.Endpoints;

/// <summary>
/// The gate of every per-generation endpoint: a well-formed id (400), then that generation's stream token
/// (401 missing, malformed, forged or expired; 403 another generation's). Whether the generation exists (404) is
/// answered after the token, so a caller without one learns nothing about which ids exist.
/// </summary>
internal static class GenerationAccess
{
    public static async ValueTask<string?> AuthorizeAsync(HttpContext context, ILogger logger)
    {
        var id = context.Request.RouteValues["id"] as string;
        if (!RequestValues.IsGenerationId(id))
        {
            await Problems.BadRequest(context, logger, RequestValues.GenerationIdError("id")).ConfigureAwait(false);
            return null;
        }

        var tokens = context.RequestServices.GetRequiredService<IStreamTokenService>();
        var status = await tokens.ValidateAsync(id!, RequestValues.GetToken(context.Request), StreamTokenScope.Read, context.RequestAborted).ConfigureAwait(false);
        if (status == StreamTokenStatus.Valid)
        {
            return id;
        }

        Log.TokenRefused(logger, id!, status);
        var (statusCode, challenge, detail) = status switch
        {
            StreamTokenStatus.Missing => (StatusCodes.Status401Unauthorized, "Bearer",
                "A stream token is required: send 'Authorization: Bearer <sse_token>' or '?token=<sse_token>'."),
            StreamTokenStatus.Malformed => (StatusCodes.Status401Unauthorized, "Bearer error=\"invalid_token\"",
                "The stream token is malformed."),
            StreamTokenStatus.InvalidSignature => (StatusCodes.Status401Unauthorized, "Bearer error=\"invalid_token\"",
                "The stream token's signature is not valid."),
            StreamTokenStatus.Expired => (StatusCodes.Status401Unauthorized, "Bearer error=\"invalid_token\"",
                "The stream token has expired: its lifetime, or the grace period after the generation ended, is over."),
            _ => (StatusCodes.Status403Forbidden, "Bearer error=\"insufficient_scope\"",
                "The stream token was issued for another generation."),
        };

        context.Response.Headers[HeaderNames.WWWAuthenticate] = challenge;
        await Problems.WriteAsync(context, logger, statusCode, detail).ConfigureAwait(false);
        return null;
    }
}
