using Microsoft.AspNetCore.StaticFiles;

namespace Iteration.Streaming.AspNetCore.Files;

/// <summary>
/// The content type of a generated file by its extension: source code as UTF-8 text (where the general table would
/// say, for example, that <c>.ts</c> is a video), otherwise the framework's table, else <c>application/octet-stream</c>.
/// </summary>
internal static class FileContentTypes
{
    private const string PlainText = "text/plain; charset=utf-8";

    private static readonly FileExtensionContentTypeProvider General = new();

    private static readonly Dictionary<string, string> Source = new(StringComparer.OrdinalIgnoreCase)
    {
        [".cs"] = PlainText, [".csproj"] = PlainText, [".sln"] = PlainText, [".props"] = PlainText, [".targets"] = PlainText,
        [".razor"] = PlainText, [".cshtml"] = PlainText, [".fs"] = PlainText, [".vb"] = PlainText,
        [".ts"] = PlainText, [".tsx"] = PlainText, [".jsx"] = PlainText, [".mjs"] = "text/javascript; charset=utf-8",
        [".vue"] = PlainText, [".svelte"] = PlainText, [".scss"] = PlainText, [".less"] = PlainText,
        [".py"] = PlainText, [".rb"] = PlainText, [".php"] = PlainText, [".java"] = PlainText, [".kt"] = PlainText,
        [".go"] = PlainText, [".rs"] = PlainText, [".swift"] = PlainText, [".dart"] = PlainText, [".sql"] = PlainText,
        [".sh"] = PlainText, [".ps1"] = PlainText, [".bat"] = PlainText, [".cmd"] = PlainText,
        [".yml"] = PlainText, [".yaml"] = PlainText, [".toml"] = PlainText, [".ini"] = PlainText, [".env"] = PlainText,
        [".cfg"] = PlainText, [".conf"] = PlainText, [".lock"] = PlainText, [".gitignore"] = PlainText,
        [".dockerfile"] = PlainText, [".md"] = "text/markdown; charset=utf-8", [".txt"] = PlainText,
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
            return "application/octet-stream";
        }

        return (contentType.StartsWith("text/", StringComparison.Ordinal) || contentType is "application/json" or "application/xml" or "image/svg+xml")
            ? contentType + "; charset=utf-8"
            : contentType;
    }
}
