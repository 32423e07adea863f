using Iteration.Streaming.Contracts;

namespace Iteration.Streaming.Files;

/// <summary>Finds a file of a manifest by path: manifests keep their files in ordinal path order.</summary>
internal static class ManifestLookup
{
    public static GenerationFile? Find(IReadOnlyList<GenerationFile> files, string path)
    {
        int lo = 0, hi = files.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var order = string.CompareOrdinal(files[mid].Path, path);
            if (order == 0)
            {
                return files[mid];
            }

            if (order < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return null;
    }
}
