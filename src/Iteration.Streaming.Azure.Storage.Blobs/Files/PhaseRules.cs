using System.Security.Cryptography;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Files;

namespace Iteration.Streaming.Azure.Storage.Blobs.Files;

/// <summary>
/// What saving one phase does to a manifest: validates every file first (so a refused phase writes nothing), then
/// computes the new file list and the contents to store.
/// </summary>
/// <remarks>
/// Mirrors the core's manifest-change rules (<c>PhaseChanges</c>), so this sink refuses exactly what the others refuse:
/// path rules, <c>MaxFileSize</c>, <c>MaxFilesPerGeneration</c>, <c>MaxGenerationBytes</c> (parent's files included),
/// no two paths that differ only by case, and no path that is both a file and a folder (either would break a zip
/// extracted on a case-insensitive file system).
/// </remarks>
internal sealed class PhaseRules
{
    private PhaseRules(IReadOnlyList<GenerationFile> files, IReadOnlyList<(GenerationFile Entry, ReadOnlyMemory<byte> Content)> writes)
    {
        Files = files;
        Writes = writes;
    }

    /// <summary>The manifest's files after the phase, ordered by path.</summary>
    public IReadOnlyList<GenerationFile> Files { get; }

    /// <summary>The contents to store, one per distinct written path (the last write of a path wins).</summary>
    public IReadOnlyList<(GenerationFile Entry, ReadOnlyMemory<byte> Content)> Writes { get; }

    public static PhaseRules Compute(IReadOnlyList<GenerationFile> current, int phase, IReadOnlyList<GeneratedFile> files, SinkLimits limits)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(phase, 1);
        ArgumentNullException.ThrowIfNull(files);

        var result = new Dictionary<string, GenerationFile>(current.Count + files.Count, StringComparer.Ordinal);
        foreach (var file in current)
        {
            result[file.Path] = file;
        }

        var writes = new Dictionary<string, (GenerationFile Entry, ReadOnlyMemory<byte> Content)>(StringComparer.Ordinal);
        for (var i = 0; i < files.Count; i++)
        {
            var file = files[i] ?? throw new ArgumentException($"The file at index {i} of phase {phase} is null.", nameof(files));
            PathRules.ThrowIfInvalid(file.Path, limits.MaxPathLength);
            if (file.IsDelete)
            {
                result.Remove(file.Path);
                writes.Remove(file.Path);
                continue;
            }

            if (file.Content.Length > limits.MaxFileSize)
            {
                throw new InvalidGeneratedFileException(
                    file.Path,
                    $"The generated file {PathRules.Show(file.Path)} is refused: it is {file.Content.Length} bytes, more than the limit of {limits.MaxFileSize} (MaxFileSize).");
            }

            var entry = new GenerationFile
            {
                Path = file.Path,
                Size = file.Content.Length,
                Phase = phase,
                Sha256 = Convert.ToHexStringLower(SHA256.HashData(file.Content.Span)),
            };
            result[file.Path] = entry;
            writes[file.Path] = (entry, file.Content);
        }

        if (result.Count > limits.MaxFilesPerGeneration)
        {
            throw new InvalidGeneratedFileException(
                null,
                $"Phase {phase} is refused: it would bring the generation to {result.Count} files, more than the limit of {limits.MaxFilesPerGeneration} (MaxFilesPerGeneration).");
        }

        var totalBytes = result.Values.Sum(static f => f.Size);
        if (totalBytes > limits.MaxGenerationBytes)
        {
            throw new InvalidGeneratedFileException(
                null,
                $"Phase {phase} is refused: it would bring the generation to {totalBytes} bytes, more than the limit of {limits.MaxGenerationBytes} (MaxGenerationBytes).");
        }

        ThrowIfPathsClash(result.Keys, writes.Keys);

        var ordered = result.Values.OrderBy(static f => f.Path, StringComparer.Ordinal).ToArray();
        return new PhaseRules(ordered, writes.Values.ToArray());
    }

    /// <summary>
    /// Refuses a written path that differs only by case from another listed path, or that is a file where another path
    /// needs a folder (or the reverse). Only this phase's writes are checked: what was listed before was accepted then.
    /// </summary>
    private static void ThrowIfPathsClash(IEnumerable<string> paths, IEnumerable<string> written)
    {
        var byCase = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        var folders = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var path in paths)
        {
            if (byCase.TryGetValue(path, out var same))
            {
                same.Add(path);
            }
            else
            {
                byCase.Add(path, [path]);
            }

            for (var slash = path.IndexOf('/', StringComparison.Ordinal); slash >= 0; slash = path.IndexOf('/', slash + 1))
            {
                folders.TryAdd(path[..slash], path);
            }
        }

        foreach (var path in written)
        {
            if (byCase[path].Find(p => !string.Equals(p, path, StringComparison.Ordinal)) is { } other)
            {
                throw new InvalidGeneratedFileException(
                    path,
                    $"The generated file path {PathRules.Show(path)} is refused: it differs only by case from {PathRules.Show(other)}, which is listed too.");
            }

            if (folders.TryGetValue(path, out var inside))
            {
                throw new InvalidGeneratedFileException(
                    path,
                    $"The generated file path {PathRules.Show(path)} is refused: it is also the folder of {PathRules.Show(inside)}.");
            }

            for (var slash = path.IndexOf('/', StringComparison.Ordinal); slash >= 0; slash = path.IndexOf('/', slash + 1))
            {
                if (byCase.TryGetValue(path[..slash], out var files))
                {
                    throw new InvalidGeneratedFileException(
                        path,
                        $"The generated file path {PathRules.Show(path)} is refused: {PathRules.Show(files[0])} is a file, so it cannot also be a folder.");
                }
            }
        }
    }
}
