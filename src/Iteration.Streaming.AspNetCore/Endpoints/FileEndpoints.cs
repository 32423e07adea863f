using Iteration.Streaming.AspNetCore.Diagnostics;
using Iteration.Streaming.AspNetCore.Files;
using Iteration.Streaming.AspNetCore.Http;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Iteration.Streaming.AspNetCore.Endpoints;

/// <summary>
/// <c>GET {prefix}/{id}/files</c>, <c>/files/{**path}</c> and <c>/archive</c>: the files saved so far, also while the
/// run goes on and after it failed. Every read goes through the manifest, so nothing outside the generation is opened.
/// </summary>
internal sealed class FileEndpoints(ILogger logger)
{
    /// <summary>
    /// Generated files may be HTML or SVG: served from this origin they must not run, sniff or leak the token in the
    /// URL through a referrer. Scripts and style sheets are served as text (see <see cref="FileContentTypes"/>), and no
    /// other site may embed any of them (<c>Cross-Origin-Resource-Policy</c>).
    /// </summary>
    private const string FileContentSecurityPolicy = "default-src 'none'; sandbox";

    /// <summary>The route parameter of the file's path (<c>/files/{**path}</c>).</summary>
    public const string PathParameter = "path";

    public async Task ListAsync(HttpContext context)
    {
        if (await GenerationAccess.AuthorizeReadAsync(context, logger).ConfigureAwait(false) is not { } id)
        {
            return;
        }

        var services = context.RequestServices;
        var snapshot = await services.GetRequiredService<IIterationEngine>().GetSnapshotAsync(id, context.RequestAborted).ConfigureAwait(false);
        var manifest = await services.GetRequiredService<IFileSink>().GetManifestAsync(id, context.RequestAborted).ConfigureAwait(false);

        // Paths the user locked are marked, so a page can show (and toggle) them beside the files.
        var record = await services.GetRequiredService<IIterationEngine>().GetRecordAsync(id, context.RequestAborted).ConfigureAwait(false);
        var locked = record?.Steering?.LockedPaths is { Count: > 0 } paths ? paths.ToHashSet(StringComparer.Ordinal) : null;
        var files = manifest?.Files ?? [];
        var list = new GenerationFileList
        {
            GenerationId = id,
            Status = snapshot.Status,
            Files = locked is null ? files : [.. files.Select(f => locked.Contains(f.Path) ? f with { Locked = true } : f)],
        };

        context.Response.Headers.CacheControl = "no-cache";
        await context.Response.WriteAsJsonAsync(list, IterationStreamingJson.GenerationFileList, contentType: null, context.RequestAborted).ConfigureAwait(false);
    }

    public async Task GetFileAsync(HttpContext context)
    {
        if (await GenerationAccess.AuthorizeReadAsync(context, logger).ConfigureAwait(false) is not { } id)
        {
            return;
        }

        var services = context.RequestServices;
        var path = FilePath(context.Request.RouteValues[PathParameter] as string);
        var options = services.GetRequiredService<IOptionsMonitor<IterationStreamingOptions>>().CurrentValue;
        if (!RequestValues.IsSafeRelativePath(path, options.MaxPathLength))
        {
            await Problems.BadRequest(
                context, logger,
                $"The file path must be relative, with '/' between non-empty names, no '.' or '..' names, no backslashes, drive letters or control characters, and at most {options.MaxPathLength} characters.").ConfigureAwait(false);
            return;
        }

        var sink = services.GetRequiredService<IFileSink>();
        var manifest = await sink.GetManifestAsync(id, context.RequestAborted).ConfigureAwait(false);
        if (manifest is null)
        {
            // Unknown generation: 404 from the engine; known but nothing saved yet: 404 for the file.
            await services.GetRequiredService<IIterationEngine>().GetSnapshotAsync(id, context.RequestAborted).ConfigureAwait(false);
        }

        var file = manifest?.Files.FirstOrDefault(f => string.Equals(f.Path, path, StringComparison.Ordinal));
        var content = file is null ? null : await sink.OpenReadAsync(id, file.Path, context.RequestAborted).ConfigureAwait(false);
        if (file is null || content is null)
        {
            await Problems.NotFound(context, logger, $"Generation '{id}' has no saved file at that path.").ConfigureAwait(false);
            return;
        }

        // The framework's file result answers the conditional and range headers (304, 412, 206, 416) and disposes the
        // stream; the headers set first stay on every one of those answers.
        SetFileHeaders(context.Response);
        await TypedResults.Stream(
            content,
            FileContentTypes.For(file.Path),
            entityTag: new EntityTagHeaderValue($"\"{file.Sha256}\""),
            enableRangeProcessing: true).ExecuteAsync(context).ConfigureAwait(false);
    }

    public async Task GetArchiveAsync(HttpContext context)
    {
        if (await GenerationAccess.AuthorizeReadAsync(context, logger).ConfigureAwait(false) is not { } id)
        {
            return;
        }

        var services = context.RequestServices;
        var sink = services.GetRequiredService<IFileSink>();
        if (await sink.GetManifestAsync(id, context.RequestAborted).ConfigureAwait(false) is null)
        {
            await services.GetRequiredService<IIterationEngine>().GetSnapshotAsync(id, context.RequestAborted).ConfigureAwait(false);
            await Problems.NotFound(context, logger, $"Generation '{id}' has no saved files yet.").ConfigureAwait(false);
            return;
        }

        var response = context.Response;
        response.ContentType = "application/zip";
        response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileName = id + ".zip" }.ToString();
        response.Headers.CacheControl = "no-store";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Cross-Origin-Resource-Policy"] = "same-origin";
        try
        {
            await sink.WriteArchiveAsync(id, response.Body, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            // Half a zip must not look like a whole one: cut the connection instead of ending the body cleanly.
            Log.ArchiveFailed(logger, id, ex);
            context.Abort();
        }
    }

    /// <summary>
    /// The file path of the route. The server decodes every escape of the URL's path but <c>%2F</c>, which generated
    /// clients send for each <c>/</c> of a path parameter: it is a separator here too. The path is checked after.
    /// </summary>
    private static string? FilePath(string? route) =>
        route is not null && route.Contains("%2F", StringComparison.OrdinalIgnoreCase)
            ? route.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase)
            : route;

    private static void SetFileHeaders(HttpResponse response)
    {
        var headers = response.Headers;
        headers.CacheControl = "private, no-cache";
        headers.XContentTypeOptions = "nosniff";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        headers.ContentSecurityPolicy = FileContentSecurityPolicy;
        headers["Referrer-Policy"] = "no-referrer";
    }
}
