using Iteration.Streaming.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.AspNetCore.Http;

/// <summary>
/// Writes RFC 9457 Problem Details (<c>application/problem+json</c>) through <see cref="TypedResults.Problem(string?, string?, int?, string?, string?, IDictionary{string, object?}?)"/>,
/// so a host's <c>AddProblemDetails</c> customisation applies too.
/// </summary>
internal static class Problems
{
    public static Task WriteAsync(HttpContext context, ILogger logger, int statusCode, string detail, IDictionary<string, object?>? extensions = null, string? type = null)
    {
        Log.RequestRefused(logger, statusCode, detail);
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Problem(detail: detail, statusCode: statusCode, type: type, extensions: extensions).ExecuteAsync(context);
    }

    public static Task BadRequest(HttpContext context, ILogger logger, string detail) =>
        WriteAsync(context, logger, StatusCodes.Status400BadRequest, detail);

    public static Task NotFound(HttpContext context, ILogger logger, string detail) =>
        WriteAsync(context, logger, StatusCodes.Status404NotFound, detail);
}
