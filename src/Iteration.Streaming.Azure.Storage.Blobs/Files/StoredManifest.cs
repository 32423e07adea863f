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

    /// <summary>This manifest with <paramref name="history"/> stored in it.</summary>
    public StoredManifest WithHistory(FileHistory history) => this with { History = history.Entries, StartPhase = history.StartPhase };

    /// <summary>Every content hash the manifest names, its files' and its history's: retention keeps each of them.</summary>
    public IEnumerable<string> ContentHashes() =>
        History is null ? Files.Select(static f => f.Sha256) : Files.Select(static f => f.Sha256).Concat(History.SelectMany(static e => e.Written).Select(static f => f.Sha256));
}
