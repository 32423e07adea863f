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

    /// <summary>For a fork: the generation whose phases it kept.</summary>
    public string? ForkedFrom { get; init; }

    public bool IsComplete { get; init; }

    public required IReadOnlyList<GenerationFile> Files { get; init; }

    /// <summary>Every save as a delta (absent in manifests written before history was kept).</summary>
    public IReadOnlyList<FileHistoryEntry>? History { get; init; }

    /// <summary>The phase the generation started after (<see cref="FileHistory.StartPhase"/>).</summary>
    public int StartPhase { get; init; }

    public FileManifest ToManifest() => new() { GenerationId = GenerationId, IsComplete = IsComplete, Files = Files };

    /// <summary>The history; for a manifest written before history was kept, its present state only.</summary>
    public FileHistory ToHistory() => History is null ? FileHistory.FromPresent(Files) : new FileHistory(History, StartPhase);

    /// <summary>Every content hash the manifest names: its files' and its history's.</summary>
    public IEnumerable<string> ContentHashes() =>
        History is null ? Files.Select(static f => f.Sha256) : Files.Select(static f => f.Sha256).Concat(History.SelectMany(static e => e.Written).Select(static f => f.Sha256));
}
