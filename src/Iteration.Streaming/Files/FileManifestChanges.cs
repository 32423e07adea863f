using System.Security.Cryptography;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Hosting;

namespace Iteration.Streaming.Files;

/// <summary>
/// The rules every <see cref="IFileSink"/> applies when it saves a phase, for sinks in other packages to reuse:
/// <see cref="Compute"/> validates a phase's files against the generation's files and the limits, then gives the file
/// list after the phase and the contents to store.
/// </summary>
/// <remarks>
/// Every check runs before anything is computed, so a sink that calls <see cref="Compute"/> first writes nothing for a
/// refused phase. The rules: each path passes the path checks (relative, normalised, no <c>..</c>, within
/// <see cref="IterationStreamingOptions.MaxPathLength"/>); each file is within
/// <see cref="IterationStreamingOptions.MaxFileSize"/>; the generation stays within
/// <see cref="IterationStreamingOptions.MaxFilesPerGeneration"/> and, unless the phase shrinks it,
/// <see cref="IterationStreamingOptions.MaxGenerationBytes"/>; no two paths differ only in letter case and no path is
/// both a file and a folder (<c>a/b</c> and <c>a/b/c.txt</c>), so the files unpack alike on every file system. A write
/// whose path differs only in case from a kept file is refused too: delete the old path in the same phase to rename it.
/// A delete matches its path exactly and deleting a path that is not listed does nothing. The last write of a path in
/// a phase wins.
/// </remarks>
public sealed class FileManifestChanges
{
    // Paths were checked against MaxPathLength when written; a later, smaller limit must not hide saved files.
    internal const int StoredPathLimit = 4_096;

    private FileManifestChanges(IReadOnlyList<GenerationFile> files, IReadOnlyDictionary<string, ReadOnlyMemory<byte>> contents, long totalBytes)
    {
        Files = files;
        Contents = contents;
        TotalBytes = totalBytes;
    }

    /// <summary>The generation's files after the phase, ordered by path (ordinal).</summary>
    public IReadOnlyList<GenerationFile> Files { get; }

    /// <summary>
    /// The contents the phase writes, keyed by lowercase hex SHA-256, each once. A sink stores these (or finds them
    /// stored already) before it saves <see cref="Files"/>; the memory is the generator's, so copy what must outlive the call.
    /// </summary>
    public IReadOnlyDictionary<string, ReadOnlyMemory<byte>> Contents { get; }

    /// <summary>The total size of <see cref="Files"/> in bytes.</summary>
    public long TotalBytes { get; }

    /// <summary>Validates one phase and computes what saving it does.</summary>
    /// <param name="current">The generation's files before the phase, as its manifest lists them.</param>
    /// <param name="phase">The 1-based phase number recorded for each written file.</param>
    /// <param name="files">The phase's writes and explicit deletes, in order.</param>
    /// <param name="options">The limits to enforce.</param>
    /// <returns>The changes.</returns>
    /// <exception cref="InvalidGeneratedFileException">A file breaks a rule; the message names the path, the rule and any setting.</exception>
    /// <exception cref="ArgumentException">An argument is null, a file is null or <paramref name="phase"/> is below 1.</exception>
    public static FileManifestChanges Compute(IReadOnlyList<GenerationFile> current, int phase, IReadOnlyList<GeneratedFile> files, IterationStreamingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return ComputeWithin(current, phase, files, FileSinkLimits.From(options));
    }

    /// <summary>
    /// Whether a file list read back from storage can be trusted: every path valid, ordered (ordinal) and unique, every
    /// hash lowercase hex SHA-256 and every size non-negative. A sink checks this before it builds a storage name from
    /// a hash or looks a path up by binary search.
    /// </summary>
    /// <param name="files">The stored file list.</param>
    /// <returns><see langword="true"/> when the list is well formed.</returns>
    public static bool IsWellFormed(IReadOnlyList<GenerationFile>? files)
    {
        if (files is null)
        {
            return false;
        }

        for (var i = 0; i < files.Count; i++)
        {
            var file = files[i];
            if (file is null
                || !IsSha256(file.Sha256)
                || file.Size < 0
                || FilePathValidator.FindStoredProblem(file.Path, StoredPathLimit) is not null
                || (i > 0 && string.CompareOrdinal(files[i - 1].Path, file.Path) >= 0))
            {
                return false;
            }
        }

        return true;
    }

    internal static bool IsSha256(string? value)
    {
        if (value is not { Length: 64 })
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static FileManifestChanges ComputeWithin(IReadOnlyList<GenerationFile> current, int phase, IReadOnlyList<GeneratedFile> files, FileSinkLimits limits)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentOutOfRangeException.ThrowIfLessThan(phase, 1);
        ArgumentNullException.ThrowIfNull(files);

        var result = new Dictionary<string, GenerationFile>(current.Count + files.Count, StringComparer.Ordinal);
        var currentBytes = 0L;
        foreach (var file in current)
        {
            result[file.Path] = file;
            currentBytes += file.Size;
        }

        var writes = new Dictionary<string, (int Index, GenerationFile Entry, ReadOnlyMemory<byte> Content)>(StringComparer.Ordinal);
        for (var i = 0; i < files.Count; i++)
        {
            var file = files[i] ?? throw new ArgumentException($"The file at index {i} of phase {phase} is null.", nameof(files));
            FilePathValidator.ThrowIfInvalid(file.Path, limits.MaxPathLength);
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
                    $"The generated file {FilePathValidator.Show(file.Path)} is refused: it is {file.Content.Length} bytes, more than the limit of {limits.MaxFileSize} (MaxFileSize).");
            }

            var entry = new GenerationFile
            {
                Path = file.Path,
                Size = file.Content.Length,
                Phase = phase,
                Sha256 = Convert.ToHexStringLower(SHA256.HashData(file.Content.Span)),
                WrittenBy = file.WrittenBy,
            };
            result[file.Path] = entry;
            writes[file.Path] = (i, entry, file.Content);
        }

        if (result.Count > limits.MaxFilesPerGeneration)
        {
            throw new InvalidGeneratedFileException(
                null,
                $"Phase {phase} is refused: it would bring the generation to {result.Count} files, more than the limit of {limits.MaxFilesPerGeneration} (MaxFilesPerGeneration).");
        }

        var totalBytes = result.Values.Sum(static f => f.Size);
        if (totalBytes > limits.MaxGenerationBytes && totalBytes > currentBytes)
        {
            // A phase that does not grow a generation already over the cap (a large parent, a lowered cap) still passes.
            throw new InvalidGeneratedFileException(
                null,
                $"Phase {phase} is refused: it would bring the generation to {totalBytes} bytes (parent files included), more than the limit of {limits.MaxGenerationBytes} (MaxGenerationBytes).");
        }

        ThrowIfPathsClash(result, writes);

        var contents = new Dictionary<string, ReadOnlyMemory<byte>>(writes.Count, StringComparer.Ordinal);
        foreach (var (_, entry, content) in writes.Values)
        {
            contents.TryAdd(entry.Sha256, content);
        }

        var ordered = result.Values.OrderBy(static f => f.Path, StringComparer.Ordinal).ToArray();
        return new FileManifestChanges(ordered, contents, totalBytes);
    }

    /// <summary>
    /// Refuses a written path that would share a name with another file when letter case is ignored, or be a file and
    /// a folder at once. Kept files are indexed first and the phase's writes in order, so the message names the later one.
    /// </summary>
    private static void ThrowIfPathsClash(
        Dictionary<string, GenerationFile> result,
        Dictionary<string, (int Index, GenerationFile Entry, ReadOnlyMemory<byte> Content)> writes)
    {
        if (writes.Count == 0)
        {
            return;
        }

        var filesByName = new Dictionary<string, string>(result.Count, StringComparer.OrdinalIgnoreCase);
        var folders = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var path in result.Keys)
        {
            if (!writes.ContainsKey(path))
            {
                // A clash among kept files (saved before these rules) is not this phase's doing.
                Index(path, filesByName, folders);
            }
        }

        foreach (var write in writes.Values.OrderBy(static w => w.Index))
        {
            var path = write.Entry.Path;
            var problem = FindClash(path, filesByName, folders);
            if (problem is not null)
            {
                throw new InvalidGeneratedFileException(path, $"The generated file {FilePathValidator.Show(path)} is refused: {problem}.");
            }

            Index(path, filesByName, folders);
        }
    }

    private static string? FindClash(string path, Dictionary<string, string> filesByName, Dictionary<string, string> folders)
    {
        if (filesByName.TryGetValue(path, out var sameName))
        {
            return $"it differs from {FilePathValidator.Show(sameName)} only in letter case, and paths must stay distinct when case is ignored (to rename, delete {FilePathValidator.Show(sameName)} in the same phase)";
        }

        if (folders.TryGetValue(path, out var inside))
        {
            return $"{FilePathValidator.Show(inside)} makes it a folder, so it cannot also be a file";
        }

        for (var slash = path.IndexOf('/'); slash >= 0; slash = path.IndexOf('/', slash + 1))
        {
            if (filesByName.TryGetValue(path[..slash], out var file))
            {
                return $"{FilePathValidator.Show(file)} is a file, so it cannot also be a folder";
            }
        }

        return null;
    }

    private static void Index(string path, Dictionary<string, string> filesByName, Dictionary<string, string> folders)
    {
        filesByName.TryAdd(path, path);
        for (var slash = path.IndexOf('/'); slash >= 0; slash = path.IndexOf('/', slash + 1))
        {
            folders.TryAdd(path[..slash], path);
        }
    }
}
