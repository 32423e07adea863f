using System.Text;

namespace Iteration.Streaming.Runs.Live;

/// <summary>
/// <c>partial_output.tail</c> for clients written before deltas: the last at most N characters of a file so far,
/// starting at a line when the cut falls inside one that is not the only line, never with half a surrogate pair.
/// </summary>
internal static class LiveTail
{
    /// <summary>The tail of <paramref name="before"/> (the text so far, or <see langword="null"/>) followed by <paramref name="chunk"/>.</summary>
    public static string Of(StringBuilder? before, string chunk, int maxLength)
    {
        if (maxLength <= 0)
        {
            return string.Empty;
        }

        var previous = before?.Length ?? 0;
        var total = previous + chunk.Length;
        if (total == 0)
        {
            return string.Empty;
        }

        var start = Math.Max(0, total - maxLength);
        string tail;
        char beforeStart;
        if (start >= previous)
        {
            tail = chunk[(start - previous)..];
            beforeStart = start == 0 ? '\n' : start - previous > 0 ? chunk[start - previous - 1] : before![previous - 1];
        }
        else
        {
            tail = string.Concat(before!.ToString(start, previous - start), chunk);
            beforeStart = start == 0 ? '\n' : before[start - 1];
        }

        if (start > 0 && beforeStart != '\n')
        {
            var lineStart = tail.IndexOf('\n', StringComparison.Ordinal);
            if (lineStart >= 0 && lineStart < tail.Length - 1)
            {
                return tail[(lineStart + 1)..];
            }
        }

        return tail.Length > 0 && char.IsLowSurrogate(tail[0]) ? tail[1..] : tail;
    }
}
