using Iteration.Streaming.Files;

namespace Iteration.Streaming.Runs;

/// <summary>
/// Compares an iteration's files with its parent's: parent files missing without an explicit delete are data loss.
/// </summary>
internal static class DataLossCheck
{
    public const int MaxListedFiles = 50;

    /// <summary>The missing parent paths, ordered; empty when nothing was lost.</summary>
    public static IReadOnlyList<string> FindMissing(FileManifest parent, FileManifest result, IReadOnlySet<string> deleted)
    {
        var present = result.Files.Select(static f => f.Path).ToHashSet(StringComparer.Ordinal);
        return parent.Files
            .Select(static f => f.Path)
            .Where(p => !present.Contains(p) && !deleted.Contains(p))
            .Order(StringComparer.Ordinal)
            .ToArray();
    }
}
