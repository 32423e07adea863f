namespace Iteration.Streaming.Records;

/// <summary>
/// Where generation records live: the single source of truth for a generation's status, its request and plan, its end
/// time and how often it was started. In memory by default; durable in <c>Iteration.Streaming.Sqlite</c> and shared in
/// <c>Iteration.Streaming.StackExchangeRedis</c>. Every implementation passes the same record-store contract tests.
/// </summary>
/// <remarks>
/// Records are deleted by the engine's retention (<c>RetainCompletedFor</c>, <c>MaxRetainedGenerations</c>), together
/// with the generation's event log and files; a store never drops a record on its own.
/// </remarks>
public interface IGenerationRecordStore
{
    /// <summary>Whether records survive a restart of this process; runs are resumed after a restart only when they do.</summary>
    bool IsDurable { get; }

    /// <summary>Adds a new record.</summary>
    /// <param name="record">The record.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="InvalidOperationException">A record with that id exists already.</exception>
    ValueTask AddAsync(GenerationRecord record, CancellationToken cancellationToken = default);

    /// <summary>Returns a record, or <see langword="null"/> when unknown (never added, or deleted).</summary>
    /// <param name="generationId">The generation.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The record.</returns>
    ValueTask<GenerationRecord?> GetAsync(string generationId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies the fields of <paramref name="update"/> that are set. A terminal <see cref="GenerationRecordUpdate.Status"/>
    /// also sets <see cref="GenerationRecord.EndedAt"/> (the store's clock); once a record is terminal its status and end
    /// time never change again (a later status is ignored, the other fields still apply).
    /// </summary>
    /// <param name="generationId">The generation.</param>
    /// <param name="update">The fields to change.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The record after the change, or <see langword="null"/> when unknown.</returns>
    ValueTask<GenerationRecord?> UpdateAsync(string generationId, GenerationRecordUpdate update, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies <paramref name="update"/> (as <see cref="UpdateAsync"/> does) only when the record's steering revision
    /// (<see cref="GenerationRecords.SteeringRevision"/>) is <paramref name="expectedRevision"/>, atomically: of two
    /// changes made from the same revision on two instances, exactly one applies. The caller sets the new steering's
    /// revision (one more than <paramref name="expectedRevision"/>).
    /// </summary>
    /// <param name="generationId">The generation.</param>
    /// <param name="expectedRevision">The revision the change was made from (0 when the record has no steering).</param>
    /// <param name="update">The fields to change, usually <see cref="GenerationRecordUpdate.Steering"/> and a status.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The record after the change; <see langword="null"/> when it is unknown or its revision differs (read it again).</returns>
    ValueTask<GenerationRecord?> TryUpdateSteeringAsync(string generationId, long expectedRevision, GenerationRecordUpdate update, CancellationToken cancellationToken = default);

    /// <summary>Returns the records whose status is not terminal (queued, processing or awaiting input), oldest first.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The unfinished records.</returns>
    ValueTask<IReadOnlyList<GenerationRecord>> ListUnfinishedAsync(CancellationToken cancellationToken = default);

    /// <summary>Returns the records with a terminal status, ordered by <see cref="GenerationRecord.EndedAt"/>, earliest first.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The ended records.</returns>
    ValueTask<IReadOnlyList<GenerationRecord>> ListEndedAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Checks that the store can write, for health checks: a durable store writes a small probe (bounded, overwritten each
    /// time, under no generation's id, so no lookup, listing or retention ever sees it) and throws when the write is
    /// refused. The default reads a record no generation has, for stores with nothing to probe.
    /// </summary>
    /// <param name="cancellationToken">Cancels the probe.</param>
    /// <returns>A task that completes when the probe was written.</returns>
    async ValueTask ProbeWriteAsync(CancellationToken cancellationToken = default) =>
        _ = await GetAsync(ProbeGenerationId, cancellationToken).ConfigureAwait(false);

    // The id the default probe looks up: no generation ever has it.
    private const string ProbeGenerationId = "iteration-streaming-health-probe";

    /// <summary>
    /// Lists one user's generations (<see cref="GenerationRecord.UserId"/>), newest first, a page at a time: the store
    /// keeps an index by user and creation time, so a page costs the same with 10 or 100,000 generations, and a
    /// deleted record leaves the index with it. Records created with the same millisecond come in descending id order.
    /// </summary>
    /// <param name="query">The user, an optional status, the page size and where it starts.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The page, and where the next one starts.</returns>
    /// <exception cref="NotSupportedException">The store keeps no index by user.</exception>
    ValueTask<GenerationRecordPage> ListByUserAsync(GenerationRecordQuery query, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"{GetType().Name} keeps no index of generations by user: implement {nameof(ListByUserAsync)} to list a user's generations.");

    /// <summary>Deletes a record; nothing happens when it is unknown.</summary>
    /// <param name="generationId">The generation.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when a record was deleted.</returns>
    ValueTask<bool> DeleteAsync(string generationId, CancellationToken cancellationToken = default);
}
