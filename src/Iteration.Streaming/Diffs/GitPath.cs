using System.Text;

namespace Iteration.Streaming.Diffs;

/// <summary>Writes a path in a diff header the way <c>git diff</c> does (its default <c>core.quotePath</c>).</summary>
/// <remarks>
/// A name with a byte git cannot show bare (a control character, <c>"</c>, <c>\</c>, DEL, or any non-ASCII byte) is
/// written in double quotes with C escapes and its UTF-8 bytes in octal (<c>"a/caf\303\251.txt"</c>). A name with a
/// space stays bare in <c>diff --git</c>; in <c>---</c>/<c>+++</c> git ends it with a tab, so that GNU <c>patch</c> can
/// tell where it ends. <c>git apply</c> reads all of these (tested with git 2.39).
/// </remarks>
internal static class GitPath
{
    /// <summary>Appends <paramref name="prefix"/> and <paramref name="path"/> as one name, quoted when git would quote it.</summary>
    public static StringBuilder AppendName(StringBuilder builder, string prefix, string path)
    {
        if (!NeedsQuotes(path))
        {
            return builder.Append(prefix).Append(path);
        }

        builder.Append('"').Append(prefix);
        foreach (var b in Encoding.UTF8.GetBytes(path))
        {
            _ = b switch
            {
                (byte)'"' => builder.Append("\\\""),
                (byte)'\\' => builder.Append("\\\\"),
                (byte)'\a' => builder.Append("\\a"),
                (byte)'\b' => builder.Append("\\b"),
                (byte)'\t' => builder.Append("\\t"),
                (byte)'\n' => builder.Append("\\n"),
                (byte)'\v' => builder.Append("\\v"),
                (byte)'\f' => builder.Append("\\f"),
                (byte)'\r' => builder.Append("\\r"),
                < 0x20 or >= 0x7f => builder.Append('\\').Append(Convert.ToString(b, 8).PadLeft(3, '0')),
                _ => builder.Append((char)b),
            };
        }

        return builder.Append('"');
    }

    /// <summary>The name as a <c>---</c> or <c>+++</c> line ends it: with a tab when it has a space.</summary>
    public static StringBuilder AppendFileLineName(StringBuilder builder, string prefix, string path)
    {
        AppendName(builder, prefix, path);
        return path.Contains(' ', StringComparison.Ordinal) ? builder.Append('\t') : builder;
    }

    private static bool NeedsQuotes(string path)
    {
        foreach (var c in path)
        {
            if (c is < ' ' or '"' or '\\' or >= '\u007f')
            {
                return true;
            }
        }

        return false;
    }
}
