using Iteration.Streaming.Contracts;

namespace Iteration.Streaming.Files;

/// <summary>The manifest as the file-system sink stores it (<c>manifest.json</c>, snake_case).</summary>
internal sealed record StoredManifest
{
    public const int CurrentVersion = 1;

    public int Version { get; init; } = CurrentVersion;

    public required string GenerationId { get; init; }

    public string? ParentGenerationId { get; init; }

    /// <summary>For a retry: the generation whose saved files it started with.</summary>
    public string? RetryOf { get; init; }

    public bool IsComplete { get; init; }

    public required IReadOnlyList<GenerationFile> Files { get; init; }

    public FileManifest ToManifest() => new() { GenerationId = GenerationId, IsComplete = IsComplete, Files = Files };
}
