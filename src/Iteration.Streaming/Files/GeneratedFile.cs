using System.Text;
using System.Text.Json;

namespace Iteration.Streaming.Files;

/// <summary>
/// One file produced by a generator: a write (path and content) or an explicit delete.
/// </summary>
public sealed record GeneratedFile
{
    /// <summary>The relative path, with forward slashes; validated before anything is written.</summary>
    public required string Path { get; init; }

    /// <summary>The content of a write; empty for a delete.</summary>
    public ReadOnlyMemory<byte> Content { get; init; }

    /// <summary>Whether this removes <see cref="Path"/> (for example a parent's file an iteration drops).</summary>
    public bool IsDelete { get; init; }

    /// <summary>
    /// Who wrote it, when not the generator: <see cref="Contracts.FileAuthors.User"/> for a user's edit at a review gate.
    /// The manifest keeps it (<see cref="Contracts.GenerationFile.WrittenBy"/>).
    /// </summary>
    public string? WrittenBy { get; init; }

    /// <summary>Optional output to show with this file's progress event (<c>partial_output</c>).</summary>
    public IReadOnlyDictionary<string, JsonElement>? PartialOutput { get; init; }

    /// <summary>Creates a write of UTF-8 text.</summary>
    /// <param name="path">The relative path.</param>
    /// <param name="content">The text.</param>
    /// <returns>The file.</returns>
    public static GeneratedFile FromText(string path, string content) =>
        new() { Path = path, Content = Encoding.UTF8.GetBytes(content) };

    /// <summary>Creates an explicit delete.</summary>
    /// <param name="path">The relative path to remove.</param>
    /// <returns>The delete.</returns>
    public static GeneratedFile Delete(string path) => new() { Path = path, IsDelete = true };
}
