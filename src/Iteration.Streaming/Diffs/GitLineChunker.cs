using DiffPlex;

namespace Iteration.Streaming.Diffs;

/// <summary>
/// Splits text into lines the way git does: each line ends after its <c>\n</c>, which it keeps (so a <c>\r</c> before
/// it stays part of the line, and a last line without one differs from the same text with one).
/// </summary>
/// <remarks>
/// DiffPlex's <c>LineChunker</c> drops the line ends and splits at a lone <c>\r</c> too, which would lose exactly what
/// a patch must carry: CRLF lines and the missing final newline.
/// </remarks>
internal sealed class GitLineChunker : IChunker
{
    public static readonly GitLineChunker Instance = new();

    public IReadOnlyList<string> Chunk(string text)
    {
        if (text.Length == 0)
        {
            return [];
        }

        var count = text.AsSpan().Count('\n') + (text[^1] == '\n' ? 0 : 1);
        var lines = new string[count];
        var start = 0;
        for (var i = 0; i < count; i++)
        {
            var end = text.IndexOf('\n', start);
            end = end < 0 ? text.Length : end + 1;
            lines[i] = text[start..end];
            start = end;
        }

        return lines;
    }
}
