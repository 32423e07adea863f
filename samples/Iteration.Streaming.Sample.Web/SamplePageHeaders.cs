using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Net.Http.Headers;

namespace Iteration.Streaming.Sample.Web;

/// <summary>
/// The headers of the page's static files (HTML, scripts, styles, icon). The page keeps control tokens in
/// <c>localStorage</c>, so it allows only its own scripts (no inline script, style or handler anywhere in it), talks only
/// to its own origin, and may not be framed; the API's JSON and SSE answers are left as the library writes them.
/// </summary>
internal static class SamplePageHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>
    /// <c>/favicon.ico</c>, which browsers ask for by themselves, is served the page's SVG icon. A path swap of its own:
    /// the URL rewriter logs every request's URL at Debug, query string (a stream token) included.
    /// </summary>
    public static Task FaviconIco(HttpContext context, RequestDelegate next)
    {
        if (context.Request.Path.Equals("/favicon.ico", StringComparison.OrdinalIgnoreCase))
        {
            context.Request.Path = "/favicon.svg";
        }

        return next(context);
    }

    /// <summary>Static files with the page's headers.</summary>
    public static StaticFileOptions StaticFiles() => new()
    {
        OnPrepareResponse = static context => Add(context.Context.Response.Headers),
    };

    private static void Add(IHeaderDictionary headers)
    {
        headers[HeaderNames.ContentSecurityPolicy] = ContentSecurityPolicy;
        headers[HeaderNames.XContentTypeOptions] = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers[HeaderNames.XFrameOptions] = "DENY";
    }
}
