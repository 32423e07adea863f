using System.Globalization;
using Iteration.Streaming.Contracts;

namespace Iteration.Streaming.Client.Live;

/// <summary>
/// What a <see cref="GenerationLive"/> must hold for its texts to be continued by deltas: each text's offset is its
/// length, each path once, a sequence of 0 or more, and (from a server) the generation asked for.
/// </summary>
internal static class LiveChecks
{
    // An echoed value is cut: a hostile one may be long or hold anything.
    private const int MaxEcho = 40;

    /// <summary>What is wrong with <paramref name="live"/> (naming the field), or <see langword="null"/>.</summary>
    public static string? Problem(GenerationLive live, string? generationId)
    {
        if (generationId is not null && !string.Equals(live.GenerationId, generationId, StringComparison.Ordinal))
        {
            return $"generation_id is '{Echo(live.GenerationId)}', not '{generationId}'";
        }

        if (live.Sequence < 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"sequence is {live.Sequence}, below 0");
        }

        if (live.Phase is < 1)
        {
            return string.Create(CultureInfo.InvariantCulture, $"phase is {live.Phase}, below 1");
        }

        if (live.Files is not { } files)
        {
            return "files is missing";
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < files.Count; i++)
        {
            if (files[i] is not { } file || string.IsNullOrEmpty(file.Path))
            {
                return string.Create(CultureInfo.InvariantCulture, $"files[{i}] has no path");
            }

            if (!seen.Add(file.Path))
            {
                return string.Create(CultureInfo.InvariantCulture, $"files[{i}].path '{Echo(file.Path)}' is listed twice");
            }

            if (file.Offset != (file.Text?.Length ?? 0))
            {
                return string.Create(CultureInfo.InvariantCulture, $"files[{i}].offset is {file.Offset}, but its text is {file.Text?.Length ?? 0} characters long");
            }
        }

        return null;
    }

    private static string Echo(string? value) =>
        value is null ? "(null)" : value.Length <= MaxEcho ? value : value[..MaxEcho] + "…";
}
