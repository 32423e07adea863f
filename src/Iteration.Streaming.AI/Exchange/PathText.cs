using System.Globalization;
using System.Text;

namespace Iteration.Streaming.AI.Exchange;

/// <summary>Quotes a path the model wrote for a message: control and invisible characters escaped, long ones shortened.</summary>
internal static class PathText
{
    private const int MaxShownLength = 120;

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
