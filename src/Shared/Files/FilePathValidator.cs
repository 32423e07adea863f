using System.Globalization;
using System.Text;

namespace Iteration.Streaming.Files;

/// <summary>
/// Checks a generated file's path: relative, forward slashes, normalised, no <c>..</c>, no rooted or drive paths,
/// no control characters, no names Windows would alias, no <c>.git</c> segment, Unicode NFC, within the length limit.
/// </summary>
/// <remarks>
/// <para>
/// Sinks never build a storage path from it (files are stored by content hash), but the path ends up in zips,
/// listings and URLs, where a hostile one would escape the folder it is extracted to.
/// </para>
/// <para>
/// Two rules guard the folder a zip is extracted to rather than the sink. A <c>.git</c> segment (any case, and NTFS's
/// short name <c>git~1</c>) is refused as Git refuses it in checkouts: extracted into a working tree, a generated
/// <c>.git/config</c> could set <c>core.hooksPath</c> or <c>core.fsmonitor</c> and run code. A path that is not in
/// Unicode normalisation form C is refused rather than compared normalised: one spelling per name keeps the manifest,
/// the zip, the blob listing and the file URL in agreement, and two spellings of <c>café.txt</c> (U+00E9, and <c>e</c>
/// + U+0301) cannot both be saved to merge when macOS extracts them. Letter case is compared by the sinks' clash rule.
/// Both rules bind new writes only: <see cref="FindStoredProblem"/> leaves out what files saved before them may hold.
/// </para>
/// </remarks>
internal static class FilePathValidator
{
    private const int MaxShownLength = 120;

    private static readonly string[] DeviceNames =
    [
        "CON", "PRN", "AUX", "NUL",
        "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
        "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    ];

    /// <summary>Throws <see cref="InvalidGeneratedFileException"/> naming the path and the rule it breaks.</summary>
    public static void ThrowIfInvalid(string? path, int maxPathLength)
    {
        var problem = FindProblem(path, maxPathLength);
        if (problem is not null)
        {
            throw new InvalidGeneratedFileException(path, $"The generated file path {Show(path)} is refused: {problem}.");
        }
    }

    /// <summary>Returns what is wrong with <paramref name="path"/> for a new write, or <see langword="null"/> when it is acceptable.</summary>
    public static string? FindProblem(string? path, int maxPathLength) => Find(path, maxPathLength, forWrite: true);

    /// <summary>
    /// Returns what makes a stored <paramref name="path"/> unusable (unsafe to serve, look up or zip), or
    /// <see langword="null"/>: the rules of <see cref="FindProblem"/> without those that bind new writes only
    /// (<c>.git</c> segments, NFC), so files saved before those rules stay readable.
    /// </summary>
    public static string? FindStoredProblem(string? path, int maxPathLength) => Find(path, maxPathLength, forWrite: false);

    private static string? Find(string? path, int maxPathLength, bool forWrite)
    {
        if (string.IsNullOrEmpty(path))
        {
            return "it is empty";
        }

        if (path.Length > maxPathLength)
        {
            return $"it is {path.Length} characters long, more than the limit of {maxPathLength} (MaxPathLength)";
        }

        for (var i = 0; i < path.Length; i++)
        {
            var c = path[i];
            if (char.IsControl(c))
            {
                return $"it contains the control character U+{(int)c:X4} at index {i}";
            }

            if (char.IsSurrogate(c))
            {
                if (char.IsHighSurrogate(c) && i + 1 < path.Length && char.IsLowSurrogate(path[i + 1]))
                {
                    i++;
                    continue;
                }

                return $"it contains an unpaired surrogate at index {i}";
            }

            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format)
            {
                // Bidirectional overrides and zero-width characters make a path display as another one.
                return $"it contains the invisible formatting character U+{(int)c:X4} at index {i}";
            }

            switch (c)
            {
                case '\\':
                    return "it contains a backslash; use forward slashes";
                case ':':
                    return "it contains ':' (a drive letter or an alternate data stream)";
                case '<' or '>' or '"' or '|' or '?' or '*':
                    return $"it contains '{c}', which is not allowed in file names";
            }
        }

        if (path[0] == '/')
        {
            return "it is rooted; paths must be relative to the generation";
        }

        if (path[0] == '~')
        {
            return "it starts with '~'; paths must be relative to the generation";
        }

        // After the character checks: IsNormalized throws on an unpaired surrogate.
        if (forWrite && !path.IsNormalized(NormalizationForm.FormC))
        {
            return "it is not in Unicode normalisation form C (NFC): a name spelled with combining characters would be a second file that merges with the composed one when extracted; normalise it (string.Normalize())";
        }

        var start = 0;
        while (start <= path.Length)
        {
            var end = path.IndexOf('/', start);
            if (end < 0)
            {
                end = path.Length;
            }

            var problem = FindSegmentProblem(path.AsSpan(start, end - start), forWrite);
            if (problem is not null)
            {
                return problem;
            }

            start = end + 1;
        }

        return null;
    }

    /// <summary>Quotes a path for a message: escaped control characters, and shortened when long.</summary>
    public static string Show(string? path)
    {
        if (path is null)
        {
            return "(null)";
        }

        var builder = new StringBuilder(Math.Min(path.Length, MaxShownLength) + 8).Append('\'');
        foreach (var c in path.Length > MaxShownLength ? path.AsSpan(0, MaxShownLength) : path.AsSpan())
        {
            if (char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format || char.IsSurrogate(c))
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

    private static string? FindSegmentProblem(ReadOnlySpan<char> segment, bool forWrite)
    {
        if (segment.IsEmpty)
        {
            return "it has an empty segment (a doubled or trailing '/')";
        }

        if (segment is "." or "..")
        {
            return $"it contains a '{segment}' segment; paths must be normalised and stay inside the generation";
        }

        if (forWrite && (segment.Equals(".git", StringComparison.OrdinalIgnoreCase) || segment.Equals("git~1", StringComparison.OrdinalIgnoreCase)))
        {
            return $"it contains a '{segment}' segment; generated files may not write Git's metadata, which could run code once extracted into a working tree";
        }

        if (segment[^1] is '.' or ' ')
        {
            // Windows drops trailing dots and spaces, so "a." and "a" would be the same file.
            return "a segment ends with '.' or a space";
        }

        if (segment[0] == ' ')
        {
            return "a segment starts with a space";
        }

        var stem = segment;
        var dot = stem.IndexOf('.');
        if (dot >= 0)
        {
            stem = stem[..dot];
        }

        foreach (var device in DeviceNames)
        {
            if (stem.Equals(device, StringComparison.OrdinalIgnoreCase))
            {
                return $"'{segment}' is a reserved device name on Windows";
            }
        }

        return null;
    }
}
