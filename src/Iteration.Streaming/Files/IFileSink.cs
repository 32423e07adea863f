using Iteration.Streaming.Contracts;

namespace Iteration.Streaming.Files;

/// <summary>
/// Where a generation's files are saved, phase by phase and atomically, with a manifest that always agrees with them.
/// </summary>
/// <remarks>
/// Implementations: the file system under a root folder (the default) and in memory (tests).
/// All of them pass the same contract tests. Reads go through the manifest, so a path that is not listed is never opened.
/// </remarks>
public interface IFileSink
{
    /// <summary>
    /// Creates the storage of a generation; for an iteration, starts with the parent's files (phase 0). Content is shared
    /// with the parent, not copied, where the sink can.
    /// </summary>
    /// <param name="generationId">The new generation.</param>
    /// <param name="parentGenerationId">The parent to carry files forward from, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    ValueTask CreateAsync(string generationId, string? parentGenerationId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates the storage of a retry: the files of <paramref name="sourceGenerationId"/> (a failed or cancelled
    /// generation: the files of the phases it saved, and its parent's phase-0 files) with their phase numbers kept, so
    /// the phases it saved need not be generated again. The new manifest is not complete; the source is left as it is.
    /// Content is shared, not copied, where the sink can.
    /// </summary>
    /// <param name="generationId">The new generation.</param>
    /// <param name="sourceGenerationId">The generation whose saved files the new one starts with.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="EventLog.GenerationNotFoundException">The source has no files storage (or its id is not a valid one).</exception>
    /// <exception cref="InvalidOperationException"><paramref name="generationId"/> has files storage already.</exception>
    ValueTask CreateFromAsync(string generationId, string sourceGenerationId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes a generation's files storage (retention): its manifest, and the content no other generation refers to.
    /// Afterwards the generation reads as unknown and its id can be created again; iterations and retries made from it
    /// keep every file.
    /// </summary>
    /// <param name="generationId">The generation.</param>
    /// <param name="cancellationToken">Cancels the operation before it starts; once it has begun it runs to the end.</param>
    /// <returns>
    /// <see langword="true"/> when storage was deleted; <see langword="false"/> when there was none (also for an id that
    /// is not a valid one).
    /// </returns>
    ValueTask<bool> DeleteAsync(string generationId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Saves one phase's files atomically (each file: temp file, flush, rename) and then the manifest (atomically);
    /// only after this returns may the engine report the phase as saved.
    /// </summary>
    /// <param name="generationId">The generation.</param>
    /// <param name="phase">The 1-based phase number recorded for each file.</param>
    /// <param name="files">Writes and explicit deletes, in order; paths are validated.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The manifest after the phase.</returns>
    ValueTask<FileManifest> SavePhaseAsync(string generationId, int phase, IReadOnlyList<GeneratedFile> files, CancellationToken cancellationToken = default);

    /// <summary>Marks the manifest complete: the generation will write nothing more.</summary>
    /// <param name="generationId">The generation.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    ValueTask CompleteAsync(string generationId, CancellationToken cancellationToken = default);

    /// <summary>Returns the manifest, or <see langword="null"/> when the generation has no files storage.</summary>
    /// <param name="generationId">The generation.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The manifest.</returns>
    ValueTask<FileManifest?> GetManifestAsync(string generationId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens a saved file for reading, or returns <see langword="null"/> when the manifest does not list <paramref name="path"/>.
    /// </summary>
    /// <param name="generationId">The generation.</param>
    /// <param name="path">The relative path as listed in the manifest.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A readable stream the caller disposes, or <see langword="null"/>.</returns>
    ValueTask<Stream?> OpenReadAsync(string generationId, string path, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes a zip of the files listed in the manifest to <paramref name="destination"/>, streaming (never the whole zip in memory).
    /// </summary>
    /// <param name="generationId">The generation.</param>
    /// <param name="destination">A writable stream; it need not be seekable.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="EventLog.GenerationNotFoundException">The generation has no files storage.</exception>
    ValueTask WriteArchiveAsync(string generationId, Stream destination, CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates the storage of a fork: the files of <paramref name="sourceGenerationId"/> as they were once its phase
    /// <paramref name="throughPhase"/> was saved, with their phase numbers and the history up to that phase kept, so only
    /// the later phases are generated. The source may be complete, failed, cancelled or waiting at a gate; it is left as
    /// it is. Content is shared, not copied.
    /// </summary>
    /// <param name="generationId">The new generation.</param>
    /// <param name="sourceGenerationId">The generation to fork.</param>
    /// <param name="throughPhase">The last phase of the source to keep (1 or more, a phase its history holds).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="EventLog.GenerationNotFoundException">The source has no files storage.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The source's history has no state for <paramref name="throughPhase"/>.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="generationId"/> has files storage already.</exception>
    /// <exception cref="NotSupportedException">The sink keeps no history (the default implementation).</exception>
    ValueTask CreateForkAsync(string generationId, string sourceGenerationId, int throughPhase, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"{GetType().Name} keeps no file history, so it cannot fork a generation from a phase.");

    /// <summary>
    /// Returns the generation's saved states (what it started with and what each save changed), or
    /// <see langword="null"/> when it has no files storage. Files saved before the sink kept history read as one state.
    /// </summary>
    /// <param name="generationId">The generation.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The history.</returns>
    /// <exception cref="NotSupportedException">The sink keeps no history (the default implementation).</exception>
    ValueTask<FileHistory?> GetHistoryAsync(string generationId, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"{GetType().Name} keeps no file history.");

    /// <summary>
    /// Opens the content of <paramref name="file"/> as one of the generation's saved states lists it (by its hash), or
    /// returns <see langword="null"/> when no state of the generation names that content.
    /// </summary>
    /// <param name="generationId">The generation.</param>
    /// <param name="file">A file of one of its states (<see cref="FileHistory.StateAt"/>).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A readable stream the caller disposes, or <see langword="null"/>.</returns>
    /// <exception cref="NotSupportedException">The sink keeps no history (the default implementation).</exception>
    ValueTask<Stream?> OpenContentAsync(string generationId, GenerationFile file, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"{GetType().Name} keeps no file history.");
}
