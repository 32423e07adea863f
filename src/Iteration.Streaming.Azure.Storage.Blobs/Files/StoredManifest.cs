using Iteration.Streaming.Contracts;
using Iteration.Streaming.Files;

namespace Iteration.Streaming.Azure.Storage.Blobs.Files;

/// <summary>
/// A generation's manifest as stored in <c>generations/{id}/manifest.json</c>: the same JSON (snake_case, version 1) as
/// the file-system sink's <c>manifest.json</c>, so tools read both alike. Also the body of a save's intent blob.
/// </summary>
internal sealed record StoredManifest
{
    public const int CurrentVersion = 1;

    public int Version { get; init; } = CurrentVersion;

    public required string GenerationId { get; init; }

    public string? ParentGenerationId { get; init; }

    public bool IsComplete { get; init; }

    public required IReadOnlyList<GenerationFile> Files { get; init; }

    public FileManifest ToManifest() => new() { GenerationId = GenerationId, IsComplete = IsComplete, Files = Files };
}
