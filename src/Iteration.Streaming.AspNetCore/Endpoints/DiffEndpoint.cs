using System.Text;
using Iteration.Streaming.AspNetCore.Diagnostics;
using Iteration.Streaming.AspNetCore.Http;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Diffs;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Iteration.Streaming.AspNetCore.Endpoints;

/// <summary>
/// <c>GET {prefix}/{id}/diff?against=…</c>: how the files of <c>{id}</c> differ from another generation's files or from
/// a saved phase (<c>phase:{k}</c>), as JSON (<see cref="GenerationDiff"/>) or, with <c>Accept: text/x-diff</c>, as one
/// patch that <c>git apply</c> accepts. <c>{id}</c> is read as its other reads are; another generation named in
/// <c>against</c> needs its own token in <c>?against_token=</c>, or its owner.
/// </summary>
internal sealed class DiffEndpoint(ILogger logger)
{
    /// <summary>The query parameter naming the older state.</summary>
    public const string AgainstQuery = "against";

    /// <summary>The query parameter with a token of the generation <c>against</c> names.</summary>
    public const string AgainstTokenQuery = "against_token";

    /// <summary>The media type of the patch.</summary>
    public const string PatchMediaType = "text/x-diff";

    private const string JsonMediaType = "application/json";

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public async Task HandleAsync(HttpContext context)
    {
        if (await GenerationAccess.AuthorizeReadAsync(context, logger).ConfigureAwait(false) is not { } id)
        {
            return;
        }

        var values = RequestValues.GetQueryValues(context.Request, AgainstQuery);
        if (values.Count > 1)
        {
            await Problems.BadRequest(context, logger, $"'{AgainstQuery}' was sent more than once; send it once.").ConfigureAwait(false);
            return;
        }

        // Parsed here as the engine parses it (400 naming 'against'), to know which generation it names before any lookup.
        var against = values.Count == 1 ? values[0] : null;
        var reference = StateReference.Parse(against, AgainstQuery);
        if (reference.GenerationId is { } other
            && !string.Equals(other, id, StringComparison.Ordinal)
            && !await GenerationAccess.AuthorizeOtherReadAsync(context, other, AgainstTokenQuery, "against", logger).ConfigureAwait(false))
        {
            return;
        }

        if (Negotiate(context.Request.Headers.Accept) is not { } mediaType)
        {
            await Problems.WriteAsync(
                context, logger, StatusCodes.Status406NotAcceptable,
                $"The diff is served as '{JsonMediaType}' (the default) or '{PatchMediaType}' (one patch for git apply); the Accept header allows neither.").ConfigureAwait(false);
            return;
        }

        var engine = context.RequestServices.GetRequiredService<IIterationEngine>();
        var diff = await engine.DiffAsync(id, against!, context.RequestAborted).ConfigureAwait(false);
        Log.DiffServed(logger, id, diff.AgainstGenerationId, diff.Files.Count, mediaType);

        var response = context.Response;
        SetHeaders(response);
        if (mediaType == JsonMediaType)
        {
            await response.WriteAsJsonAsync(diff, IterationStreamingJson.GenerationDiff, contentType: null, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        response.ContentType = PatchMediaType + "; charset=utf-8";
        try
        {
            var writer = new StreamWriter(response.Body, Utf8, bufferSize: 16 * 1024, leaveOpen: true) { NewLine = "\n" };
            await using (writer.ConfigureAwait(false))
            {
                await GenerationPatch.WriteAsync(diff, writer, context.RequestAborted).ConfigureAwait(false);
                await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            // Half a patch must not look like a whole one (git apply would take it): cut the connection instead.
            Log.PatchFailed(logger, id, ex);
            context.Abort();
        }
    }

    /// <summary>
    /// The media type to answer in: JSON unless the Accept header prefers <c>text/x-diff</c>; <see langword="null"/> when
    /// it allows neither (406). Each type takes the quality of the most specific range that matches it.
    /// </summary>
    internal static string? Negotiate(StringValues accept)
    {
        if (StringValues.IsNullOrEmpty(accept))
        {
            return JsonMediaType;
        }

        if (!MediaTypeHeaderValue.TryParseList(accept, out var ranges) || ranges.Count == 0)
        {
            return JsonMediaType;
        }

        var json = Quality(ranges, "application", "json");
        var patch = Quality(ranges, "text", "x-diff");
        return patch > json ? PatchMediaType : json > 0 ? JsonMediaType : null;
    }

    private static double Quality(IList<MediaTypeHeaderValue> ranges, string type, string subtype)
    {
        var best = -1;
        var quality = 0d;
        foreach (var range in ranges)
        {
            var rangeType = range.Type.Value ?? string.Empty;
            var rangeSubtype = range.SubType.Value ?? string.Empty;
            var specificity = rangeType == "*" ? 0
                : !rangeType.Equals(type, StringComparison.OrdinalIgnoreCase) ? -1
                : rangeSubtype == "*" ? 1
                : rangeSubtype.Equals(subtype, StringComparison.OrdinalIgnoreCase) ? 2
                : -1;
            if (specificity > best)
            {
                best = specificity;
                quality = range.Quality ?? 1d;
            }
        }

        return quality;
    }

    /// <summary>As the other file reads: the token may be in the URL, and generated text must not be sniffed or embedded.</summary>
    private static void SetHeaders(HttpResponse response)
    {
        var headers = response.Headers;
        headers.CacheControl = "private, no-cache";
        headers.Vary = HeaderNames.Accept;
        headers.XContentTypeOptions = "nosniff";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        headers["Referrer-Policy"] = "no-referrer";
    }
}
