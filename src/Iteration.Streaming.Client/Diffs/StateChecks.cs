using System.Globalization;

namespace Iteration.Streaming.Client.Diffs;

/// <summary>
/// The client's own checks of a diff, fork or revert before anything is sent: a state reference (<c>against</c>,
/// <c>to</c>) as the server parses it, and the paths of a revert (relative, each once). What only the server knows
/// (which phases were saved, the path rules of its file sink, its caps) it answers with 400 naming the field.
/// </summary>
internal static class StateChecks
{
    /// <summary>The server refuses a longer reference before any lookup.</summary>
    private const int MaxReferenceLength = 256;

    private const int MaxGenerationIdLength = 128;

    private const string PhasePrefix = "phase:";

    // An echoed value is cut: a hostile one may be long or hold anything.
    private const int MaxEcho = 40;

    /// <summary>
    /// Throws an <see cref="ArgumentException"/> naming <paramref name="parameterName"/> unless <paramref name="value"/>
    /// is a generation id or <c>phase:{k}</c>; returns whether it names a phase.
    /// </summary>
    public static bool CheckReference(string? value, string parameterName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value, parameterName);
        if (value.Length > MaxReferenceLength)
        {
            throw new ArgumentException($"{parameterName} is {value.Length} characters long; a generation id or phase:{{k}} is at most {MaxReferenceLength}.", parameterName);
        }

        if (value.StartsWith(PhasePrefix, StringComparison.Ordinal))
        {
            var number = value.AsSpan(PhasePrefix.Length);
            if (number.Length is 0 or > 4
                || !int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out _)
                || (number.Length > 1 && number[0] == '0'))
            {
                throw new ArgumentException($"{parameterName} names the phase '{Echo(value[PhasePrefix.Length..])}'; write phase:{{k}} with k a phase number (0 for the files the generation started with).", parameterName);
            }

            return true;
        }

        if (value.Length > MaxGenerationIdLength || value.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_')))
        {
            throw new ArgumentException($"{parameterName} '{Echo(value)}' is neither a generation id (1 to {MaxGenerationIdLength} ASCII letters, digits, '-' or '_') nor phase:{{k}}.", parameterName);
        }

        return false;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> unless <paramref name="token"/> can go in a query: printable ASCII without spaces.</summary>
    public static void CheckToken(string token, string parameterName)
    {
        ArgumentException.ThrowIfNullOrEmpty(token, parameterName);
        if (token.Any(c => c is <= ' ' or > '~'))
        {
            throw new ArgumentException("A token is printable ASCII without spaces.", parameterName);
        }
    }

    /// <summary>
    /// Throws an <see cref="ArgumentException"/> naming the entry (<c>paths[2]</c>) for a null, empty, absolute or
    /// dotted path, or one named twice; <paramref name="paths"/> itself must hold at least one.
    /// </summary>
    public static void CheckPaths(IReadOnlyList<string> paths, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(paths, parameterName);
        if (paths.Count == 0)
        {
            throw new ArgumentException($"{parameterName} is empty: name at least one file to restore.", parameterName);
        }

        var seen = new Dictionary<string, int>(paths.Count, StringComparer.Ordinal);
        for (var i = 0; i < paths.Count; i++)
        {
            var path = paths[i];
            if (string.IsNullOrWhiteSpace(path))
            {
                throw new ArgumentException($"{parameterName}[{i}] is null, empty or white space.", parameterName);
            }

            if (path.Split('/').Any(n => n.Length == 0 || n is "." or ".."))
            {
                throw new ArgumentException($"{parameterName}[{i}] ('{Echo(path)}') must be relative, with '/' between non-empty names and no '.' or '..' names.", parameterName);
            }

            if (!seen.TryAdd(path, i))
            {
                throw new ArgumentException($"{parameterName}[{i}] repeats {parameterName}[{seen[path]}] ('{Echo(path)}'): name each path once.", parameterName);
            }
        }
    }

    private static string Echo(string value) => value.Length <= MaxEcho ? value : value[..MaxEcho] + "…";
}
