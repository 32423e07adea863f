using Iteration.Streaming.Generation;

namespace Iteration.Streaming.Checkpoints;

/// <summary>
/// Keeps the live checkpoint of each generation's phase in progress (at most one per generation), so a phase
/// interrupted by a crash, a deploy or a takeover can continue where it was (<see cref="IResumablePhaseGenerator"/>)
/// and any instance can answer <c>GET {prefix}/{id}/live</c>. Every store package registers one next to its event log
/// (SQLite, Redis); the in-memory one is the default.
/// </summary>
/// <remarks>
/// Writes are incremental (a delta of text, the files finished since the last write) so a checkpoint costs what
/// changed, not the phase so far. Each write is atomic: all of it is kept, or none and the previous checkpoint stands
/// (a crash mid-write included).
/// </remarks>
public interface IPhaseCheckpointStore
{
    /// <summary>
    /// Applies <paramref name="write"/> to the generation's checkpoint: with <see cref="PhaseCheckpointWrite.Reset"/>, or
    /// when the stored one is of another phase, it starts from an empty checkpoint; then the write's files replace or add
    /// theirs (a finished file's text stops being the current text), the current file's text gets the delta (a new
    /// current file starts empty), the resume state is replaced when given, and the sequence, attempt and time are the
    /// write's. An <see cref="PhaseCheckpointWrite.Overflowed"/> write leaves only the marker.
    /// </summary>
    /// <param name="write">The write.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>
    /// A task that completes when the write is kept: a crash of the process after it keeps it. A store may let a power
    /// loss take back its latest checkpoints (SQLite flushes them with the next events), never half of one: the previous
    /// checkpoint then stands, and a resumed phase repeats a little more text.
    /// </returns>
    /// <exception cref="PhaseCheckpointConflictException">
    /// The delta's offset is not the stored text's length (a write lost or repeated): nothing was written.
    /// </exception>
    ValueTask WriteAsync(PhaseCheckpointWrite write, CancellationToken cancellationToken = default);

    /// <summary>The generation's checkpoint, or <see langword="null"/> when it has none.</summary>
    /// <param name="generationId">The generation.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The checkpoint as of its last write.</returns>
    ValueTask<PhaseCheckpoint?> ReadAsync(string generationId, CancellationToken cancellationToken = default);

    /// <summary>Deletes the generation's checkpoint (its phase was saved, or the generation deleted); nothing when it has none.</summary>
    /// <param name="generationId">The generation.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when it is gone.</returns>
    ValueTask DeleteAsync(string generationId, CancellationToken cancellationToken = default);
}
