using System.Security.Cryptography;
using Iteration.Streaming.Contracts;

namespace Iteration.Streaming.Files;

/// <summary>
/// What saving one phase does to a manifest: validates every file first (so a refused phase writes nothing),
/// then computes the new file list and the contents to store. Shared by every sink.
/// </summary>
internal sealed class PhaseChanges
{
    private PhaseChanges(IReadOnlyList<GenerationFile> files, IReadOnlyList<(GenerationFile Entry, ReadOnlyMemory<byte> Content)> writes)
    {
        Files = files;
        Writes = writes;
    }

    /// <summary>The manifest's files after the phase, ordered by path.</summary>
    public IReadOnlyList<GenerationFile> Files { get; }

    /// <summary>The contents to store, one per distinct written path (the last write of a path wins).</summary>
    public IReadOnlyList<(GenerationFile Entry, ReadOnlyMemory<byte> Content)> Writes { get; }

    public static PhaseChanges Compute(IReadOnlyList<GenerationFile> current, int phase, IReadOnlyList<GeneratedFile> files, FileSinkLimits limits)
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

        var ordered = result.Values.OrderBy(static f => f.Path, StringComparer.Ordinal).ToArray();
        return new PhaseChanges(ordered, writes.Values.ToArray());
    }
}
