using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Files;

/// <summary>Counts how one file list differs from another, by path and content hash.</summary>
internal static class FileChangeCounts
{
    public static PhaseChanges Count(IReadOnlyList<GenerationFile> before, IReadOnlyList<GenerationFile> after)
    {
        var old = new Dictionary<string, string>(before.Count, StringComparer.Ordinal);
        foreach (var file in before)
        {
            old[file.Path] = file.Sha256;
        }

        int added = 0, modified = 0;
        foreach (var file in after)
        {
            if (!old.Remove(file.Path, out var sha256))
            {
                added++;
            }
            else if (!string.Equals(sha256, file.Sha256, StringComparison.Ordinal))
            {
                modified++;
            }
        }

        return new PhaseChanges { Added = added, Modified = modified, Deleted = old.Count };
    }
}
