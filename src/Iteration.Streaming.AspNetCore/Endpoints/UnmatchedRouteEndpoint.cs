using Iteration.Streaming.AspNetCore.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Iteration.Streaming.AspNetCore.Endpoints;

/// <summary>
/// The group's catch-all, below every other route: a path under the prefix that no endpoint serves gets a Problem
/// Details 404, and a known path with a method it does not take a 405 with <c>Allow</c>, instead of routing's empty answers.
/// </summary>
/// <remarks>Without an owner resolver there is no list, so a GET of the prefix itself is 404 (no such route), not 405.</remarks>
internal sealed class UnmatchedRouteEndpoint(ILogger logger, bool listsOwners)
{
    public const string PathParameter = "iterationStreamingUnmatchedPath";

    public Task HandleAsync(HttpContext context)
    {
        var rest = context.Request.RouteValues[PathParameter] as string ?? string.Empty;
        var allowed = AllowedMethods(rest.Split('/'), listsOwners);
        if (rest.Length == 0 && !listsOwners && HttpMethods.IsGet(context.Request.Method))
        {
            return Problems.NotFound(context, logger, "No Iteration.Streaming endpoint has this path: listing generations needs an owner resolver on the host.");
        }

        if (allowed.Length > 0 && !allowed.Contains(context.Request.Method, StringComparer.OrdinalIgnoreCase))
        {
            context.Response.Headers[HeaderNames.Allow] = string.Join(", ", allowed);
            return Problems.WriteAsync(
                context, logger, StatusCodes.Status405MethodNotAllowed, $"This path takes {string.Join(" or ", allowed)}, not {context.Request.Method}.");
        }

        return Problems.NotFound(context, logger, "No Iteration.Streaming endpoint has this path.");
    }

    private static string[] AllowedMethods(string[] segments, bool listsOwners) => segments switch
    {
        [""] => listsOwners ? [HttpMethods.Get, HttpMethods.Post] : [HttpMethods.Post],
        ["iterate"] => [HttpMethods.Get, HttpMethods.Delete, HttpMethods.Post],
        [_] => [HttpMethods.Get, HttpMethods.Delete],
        [_, "stream" or "files" or "archive" or "live"] => [HttpMethods.Get],
        [_, "retry"] => [HttpMethods.Post],
        [_, "files", ..] => [HttpMethods.Get],
        _ => [],
    };
}
