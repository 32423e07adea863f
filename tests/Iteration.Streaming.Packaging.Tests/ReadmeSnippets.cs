using System.Text.RegularExpressions;

namespace Iteration.Streaming.Packaging.Tests;

/// <summary>
/// The fenced code blocks of one <c>## </c> section of a markdown file, read from the file itself, so a test of a snippet
/// is a test of what the README shows.
/// </summary>
internal sealed partial class ReadmeSnippets
{
    private ReadmeSnippets(string section, IReadOnlyList<(string Language, string Code)> blocks)
    {
        Text = section;
        Blocks = blocks;
    }

    /// <summary>The section's whole text, heading included.</summary>
    public string Text { get; }

    /// <summary>The section's fenced blocks in order, by their info string (<c>csharp</c>, <c>bash</c>).</summary>
    public IReadOnlyList<(string Language, string Code)> Blocks { get; }

    /// <summary>The code of every block in <paramref name="language"/>, in order.</summary>
    public IEnumerable<string> Code(string language) =>
        Blocks.Where(b => string.Equals(b.Language, language, StringComparison.OrdinalIgnoreCase)).Select(b => b.Code);

    /// <summary>Reads the section whose heading is <c>## {heading}</c>, up to the next heading of that level.</summary>
    public static ReadmeSnippets Read(string markdownPath, string heading)
    {
        var lines = File.ReadAllLines(markdownPath);
        var start = Array.FindIndex(lines, l => l.TrimEnd() == $"## {heading}");
        if (start < 0)
        {
            throw new InvalidOperationException($"{markdownPath} has no '## {heading}' section.");
        }

        var end = start + 1;
        var blocks = new List<(string, string)>();
        while (end < lines.Length && !lines[end].StartsWith("## ", StringComparison.Ordinal))
        {
            var fence = Fence().Match(lines[end]);
            if (!fence.Success)
            {
                end++;
                continue;
            }

            var close = Array.FindIndex(lines, end + 1, l => l.TrimEnd() == fence.Groups["fence"].Value);
            if (close < 0)
            {
                throw new InvalidOperationException($"{markdownPath}: the code block opened at line {end + 1} is never closed.");
            }

            blocks.Add((fence.Groups["language"].Value, string.Join('\n', lines[(end + 1)..close]) + "\n"));
            end = close + 1;
        }

        return new ReadmeSnippets(string.Join('\n', lines[start..end]), blocks);
    }

    [GeneratedRegex(@"^(?<fence>```+)(?<language>[\w+-]*)\s*$")]
    private static partial Regex Fence();
}
