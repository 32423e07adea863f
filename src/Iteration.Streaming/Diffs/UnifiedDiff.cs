using System.Globalization;
using System.Text;
using DiffPlex;
using DiffPlex.Model;

namespace Iteration.Streaming.Diffs;

/// <summary>Writes one file's change as a unified diff that <c>git apply</c> accepts (DiffPlex computes the lines).</summary>
/// <remarks>
/// The format is <c>git diff</c>'s without its <c>index</c> line (no blob ids: <c>git apply</c> does not need them):
/// every file mode is <c>100644</c>, hunks carry 3 lines of context and merge when at most 6 unchanged lines part
/// them, a side whose last line has no newline gets <c>\ No newline at end of file</c>, and an empty file added or
/// deleted is its header alone. Lines end at <c>\n</c> only (<see cref="GitLineChunker"/>), so CRLF text keeps its
/// <c>\r</c>. Paths are written as <see cref="GitPath"/> says.
/// </remarks>
internal static class UnifiedDiff
{
    private const int Context = 3;
    private const string NoNewline = "\\ No newline at end of file\n";
    private const string Mode = "100644";

    /// <summary>The diff of <paramref name="path"/> from <paramref name="oldText"/> to <paramref name="newText"/>.</summary>
    /// <param name="path">The relative path (the same on both sides).</param>
    /// <param name="oldText">The older text; <see langword="null"/> when the file is added.</param>
    /// <param name="newText">The newer text; <see langword="null"/> when the file is deleted.</param>
    /// <returns>The diff text and counts; an empty text when both sides are the same text.</returns>
    public static UnifiedFileDiff Create(string path, string? oldText, string? newText)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (oldText is null && newText is null)
        {
            throw new ArgumentException($"The diff of '{path}' needs an older or a newer text; both are null.", nameof(oldText));
        }

        if (oldText is not null && newText is not null && string.Equals(oldText, newText, StringComparison.Ordinal))
        {
            return new UnifiedFileDiff(string.Empty, 0, 0);
        }

        var result = Differ.Instance.CreateDiffs(oldText ?? string.Empty, newText ?? string.Empty, ignoreWhiteSpace: false, ignoreCase: false, GitLineChunker.Instance);
        var builder = new StringBuilder(EstimateLength(path, result));

        builder.Append("diff --git ");
        GitPath.AppendName(builder, "a/", path).Append(' ');
        GitPath.AppendName(builder, "b/", path).Append('\n');
        if (oldText is null)
        {
            builder.Append("new file mode ").Append(Mode).Append('\n');
        }
        else if (newText is null)
        {
            builder.Append("deleted file mode ").Append(Mode).Append('\n');
        }

        if (result.DiffBlocks.Count == 0)
        {
            // An empty file added or deleted: git writes no ---/+++ lines and no hunk.
            return new UnifiedFileDiff(builder.ToString(), 0, 0);
        }

        builder.Append("--- ");
        _ = oldText is null ? builder.Append("/dev/null") : GitPath.AppendFileLineName(builder, "a/", path);
        builder.Append("\n+++ ");
        _ = newText is null ? builder.Append("/dev/null") : GitPath.AppendFileLineName(builder, "b/", path);
        builder.Append('\n');

        int added = 0, deleted = 0;
        var blocks = result.DiffBlocks;
        for (var first = 0; first < blocks.Count;)
        {
            var last = first;
            while (last + 1 < blocks.Count && blocks[last + 1].DeleteStartA - EndA(blocks[last]) <= 2 * Context)
            {
                last++;
            }

            var (hunkAdded, hunkDeleted) = WriteHunk(builder, result, blocks, first, last);
            added += hunkAdded;
            deleted += hunkDeleted;
            first = last + 1;
        }

        return new UnifiedFileDiff(builder.ToString(), added, deleted);
    }

    /// <summary>Writes the hunk of blocks <paramref name="first"/> to <paramref name="last"/> with their context.</summary>
    private static (int Added, int Deleted) WriteHunk(StringBuilder builder, DiffResult result, IList<DiffBlock> blocks, int first, int last)
    {
        var oldLines = result.PiecesOld;
        var newLines = result.PiecesNew;

        // Unchanged lines before a block, after it and between two blocks are as many on both sides.
        var leading = Math.Min(Context, blocks[first].DeleteStartA - (first == 0 ? 0 : EndA(blocks[first - 1])));
        var startA = blocks[first].DeleteStartA - leading;
        var startB = blocks[first].InsertStartB - leading;
        var trailing = Math.Min(Context, oldLines.Count - EndA(blocks[last]));
        var endA = EndA(blocks[last]) + trailing;
        var endB = blocks[last].InsertStartB + blocks[last].InsertCountB + trailing;

        builder.Append("@@ -");
        AppendRange(builder, startA, endA - startA).Append(" +");
        AppendRange(builder, startB, endB - startB).Append(" @@\n");

        int a = startA, added = 0, deleted = 0;
        for (var i = first; i <= last; i++)
        {
            var block = blocks[i];
            for (; a < block.DeleteStartA; a++)
            {
                AppendLine(builder, ' ', oldLines[a]);
            }

            for (var k = 0; k < block.DeleteCountA; k++)
            {
                AppendLine(builder, '-', oldLines[a++]);
            }

            for (var k = 0; k < block.InsertCountB; k++)
            {
                AppendLine(builder, '+', newLines[block.InsertStartB + k]);
            }

            added += block.InsertCountB;
            deleted += block.DeleteCountA;
        }

        for (; a < endA; a++)
        {
            AppendLine(builder, ' ', oldLines[a]);
        }

        return (added, deleted);
    }

    private static int EndA(DiffBlock block) => block.DeleteStartA + block.DeleteCountA;

    /// <summary>A hunk range as git writes it: <c>l</c> for one line, <c>l,s</c>, and the line before with <c>,0</c> for none.</summary>
    private static StringBuilder AppendRange(StringBuilder builder, int start, int count) => count switch
    {
        0 => builder.Append(start.ToString(CultureInfo.InvariantCulture)).Append(",0"),
        1 => builder.Append((start + 1).ToString(CultureInfo.InvariantCulture)),
        _ => builder.Append((start + 1).ToString(CultureInfo.InvariantCulture)).Append(',').Append(count.ToString(CultureInfo.InvariantCulture)),
    };

    /// <summary>Appends one line; only a side's last line can lack its <c>\n</c>, and git marks it.</summary>
    private static void AppendLine(StringBuilder builder, char marker, string line)
    {
        builder.Append(marker).Append(line);
        if (line.Length == 0 || line[^1] != '\n')
        {
            builder.Append('\n').Append(NoNewline);
        }
    }

    private static int EstimateLength(string path, DiffResult result)
    {
        long changed = 0;
        foreach (var block in result.DiffBlocks)
        {
            changed += block.DeleteCountA + block.InsertCountB + (2 * Context);
        }

        // Lines of source text average well under 64 characters; the builder grows when they do not.
        return (int)Math.Min(1 << 20, 128 + (4 * path.Length) + (changed * 48));
    }
}
