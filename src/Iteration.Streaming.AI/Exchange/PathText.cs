using System.Globalization;
using System.Text;

namespace Iteration.Streaming.AI.Exchange;

/// <summary>Quotes a path the model wrote for a message: control and invisible characters escaped, long ones shortened.</summary>
internal static class PathText
{
    private const int MaxShownLength = 120;

    /// <summary>
    /// Whether a path can be shown as it is (no control, invisible-formatting or unpaired surrogate characters). Live
    /// reports skip a path that cannot: the engine refuses such a file anyway when it arrives.
    /// </summary>
    public static bool IsDisplayable(string path)
    {
        for (var i = 0; i < path.Length; i++)
        {
            var c = path[i];
            if (char.IsHighSurrogate(c) && i + 1 < path.Length && char.IsLowSurrogate(path[i + 1]))
            {
                i++;
                continue;
            }

            if (char.IsControl(c) || char.IsSurrogate(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format)
            {
                return false;
            }
        }

        return true;
    }

    public static string Show(string path)
    {
        var builder = new StringBuilder(Math.Min(path.Length, MaxShownLength) + 8).Append('\'');
        foreach (var c in path.Length > MaxShownLength ? path.AsSpan(0, MaxShownLength) : path.AsSpan())
        {
            if (char.IsControl(c) || char.IsSurrogate(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format)
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
            else
            {
                builder.Append(c);
            }
        }

        if (path.Length > MaxShownLength)
        {
            builder.Append('…');
        }

        return builder.Append('\'').ToString();
    }
}
