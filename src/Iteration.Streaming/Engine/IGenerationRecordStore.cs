namespace Iteration.Streaming.Engine;

/// <summary>
/// Where generation records live: in memory by default; a shared store (Redis) when several instances serve the same
/// generations. Records of ended generations may be dropped after the retention period, like their event logs.
/// </summary>
/// <remarks>The engine creates a generation's event log before its record, so a store may keep both together.</remarks>
internal interface IGenerationRecordStore
{
    /// <summary>Adds a new record.</summary>
    /// <exception cref="InvalidOperationException">A record with that id exists already.</exception>
    ValueTask AddAsync(GenerationRecord record, CancellationToken cancellationToken = default);

    /// <summary>Returns a record, or <see langword="null"/> when unknown (or dropped).</summary>
    ValueTask<GenerationRecord?> GetAsync(string generationId, CancellationToken cancellationToken = default);

    /// <summary>Sets a record's status; a terminal status also sets <see cref="GenerationRecord.EndedAt"/>. An ended record keeps its status.</summary>
    ValueTask SetStatusAsync(string generationId, string status, CancellationToken cancellationToken = default);

    /// <summary>Records the file counts of the generation's manifest after a save.</summary>
    ValueTask SetFilesAsync(string generationId, int fileCount, long totalBytes, CancellationToken cancellationToken = default);
}
