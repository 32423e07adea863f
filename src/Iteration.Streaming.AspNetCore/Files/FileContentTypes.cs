using Microsoft.AspNetCore.StaticFiles;

namespace Iteration.Streaming.AspNetCore.Files;

/// <summary>
/// The content type of a generated file by its extension: source code as UTF-8 text (where the general table would
/// say, for example, that <c>.ts</c> is a video), otherwise the framework's table, else <c>application/octet-stream</c>.
/// Nothing is served with a type a browser would run or apply from our origin: scripts and style sheets (JavaScript in
/// any of its types, CSS, XSLT, HTML components) are plain text, WebAssembly and Flash are opaque bytes. With
/// <c>nosniff</c>, another page of the host can then not load a generated file as a script or a style sheet.
/// </summary>
internal static class FileContentTypes
{
    private const string PlainText = "text/plain; charset=utf-8";
    private const string OpaqueBytes = "application/octet-stream";

    private static readonly FileExtensionContentTypeProvider General = new();

    private static readonly Dictionary<string, string> Source = new(StringComparer.OrdinalIgnoreCase)
    {
        [".cs"] = PlainText, [".csproj"] = PlainText, [".sln"] = PlainText, [".props"] = PlainText, [".targets"] = PlainText,
        [".razor"] = PlainText, [".cshtml"] = PlainText, [".fs"] = PlainText, [".vb"] = PlainText,
        [".js"] = PlainText, [".mjs"] = PlainText, [".cjs"] = PlainText, [".css"] = PlainText,
        [".ts"] = PlainText, [".tsx"] = PlainText, [".jsx"] = PlainText, [".mts"] = PlainText, [".cts"] = PlainText,
        [".vue"] = PlainText, [".svelte"] = PlainText, [".scss"] = PlainText, [".sass"] = PlainText, [".less"] = PlainText,
        [".py"] = PlainText, [".rb"] = PlainText, [".php"] = PlainText, [".java"] = PlainText, [".kt"] = PlainText,
        [".go"] = PlainText, [".rs"] = PlainText, [".swift"] = PlainText, [".dart"] = PlainText, [".sql"] = PlainText,
        [".sh"] = PlainText, [".ps1"] = PlainText, [".bat"] = PlainText, [".cmd"] = PlainText,
        [".yml"] = PlainText, [".yaml"] = PlainText, [".toml"] = PlainText, [".ini"] = PlainText, [".env"] = PlainText,
        [".cfg"] = PlainText, [".conf"] = PlainText, [".lock"] = PlainText, [".gitignore"] = PlainText,
        [".dockerfile"] = PlainText, [".md"] = "text/markdown; charset=utf-8", [".txt"] = PlainText,
        [".wasm"] = OpaqueBytes,
    };

    public static string For(string path)
    {
        var name = path[(path.LastIndexOf('/') + 1)..];
        var dot = name.LastIndexOf('.');
        if (dot < 0)
        {
            // Dockerfile, Makefile, LICENSE and the like.
            return PlainText;
        }

        if (Source.TryGetValue(name[dot..], out var source))
        {
            return source;
        }

        if (!General.TryGetContentType(name, out var contentType))
        {
            return OpaqueBytes;
        }

        if (IsActive(contentType, out var replacement))
        {
            return replacement;
        }

        return (contentType.StartsWith("text/", StringComparison.Ordinal) || contentType is "application/json" or "application/xml" or "image/svg+xml")
            ? contentType + "; charset=utf-8"
            : contentType;
    }

    /// <summary>Whether a browser would run or apply content of this type when another page loads it; what to serve instead.</summary>
    internal static bool IsActive(string contentType, out string replacement)
    {
        var mediaType = contentType.Split(';')[0].Trim();
        if (mediaType.Contains("javascript", StringComparison.OrdinalIgnoreCase)
            || mediaType.Contains("ecmascript", StringComparison.OrdinalIgnoreCase)
            || mediaType.Contains("jscript", StringComparison.OrdinalIgnoreCase)
            || mediaType.Contains("livescript", StringComparison.OrdinalIgnoreCase)
            || mediaType.Contains("xsl", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("text/css", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("text/x-component", StringComparison.OrdinalIgnoreCase))
        {
            replacement = PlainText;
            return true;
        }

        if (mediaType.Equals("application/wasm", StringComparison.OrdinalIgnoreCase)
            || mediaType.Contains("shockwave", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("application/java-archive", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("application/x-java-applet", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("application/hta", StringComparison.OrdinalIgnoreCase))
        {
            replacement = OpaqueBytes;
            return true;
        }

        replacement = contentType;
        return false;
    }
}
