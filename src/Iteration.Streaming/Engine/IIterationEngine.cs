using Iteration.Streaming.Contracts;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Records;

namespace Iteration.Streaming.Engine;

/// <summary>
/// Runs generations: in the background under a concurrency limit (queued beyond it), or inline;
/// and lets anyone watch, inspect or cancel them.
/// </summary>
public interface IIterationEngine
{
    /// <summary>
    /// Starts a new generation in the background and returns its id at once; progress goes to the event log.
    /// </summary>
    /// <param name="request">What to generate.</param>
    /// <param name="cancellationToken">Cancels starting (not the run).</param>
    /// <returns>The new generation's id (a UUID string).</returns>
    /// <exception cref="InvalidGenerationRequestException">The request breaks a limit or misses a field.</exception>
    /// <exception cref="GenerationCapacityException">The queue of waiting generations is full.</exception>
    ValueTask<string> StartAsync(GenerationRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts an iteration of a finished generation in the background; it begins with the parent's files.
    /// </summary>
    /// <param name="request">The parent and the modification.</param>
    /// <param name="cancellationToken">Cancels starting (not the run).</param>
    /// <returns>The new generation's id.</returns>
    /// <exception cref="InvalidGenerationRequestException">The request breaks a limit or misses a field.</exception>
    /// <exception cref="GenerationNotFoundException">The parent is unknown.</exception>
    /// <exception cref="GenerationConflictException">The parent has not finished.</exception>
    /// <exception cref="GenerationCapacityException">The queue of waiting generations is full.</exception>
    ValueTask<string> IterateAsync(IterationRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Retries a generation that ended <c>failed</c> (or timed out) or <c>cancelled</c>: starts a new generation in the
    /// background with the same request and plan, whose files start as the old one's saved phases; it emits
    /// <c>resumed</c> naming them and generates only the phases that were not saved. The old generation stays as it ended.
    /// </summary>
    /// <param name="request">The generation to retry.</param>
    /// <param name="cancellationToken">Cancels starting (not the run).</param>
    /// <returns>The new generation's id.</returns>
    /// <exception cref="GenerationNotFoundException">The generation is unknown.</exception>
    /// <exception cref="GenerationConflictException">The generation is still running, or completed.</exception>
    /// <exception cref="GenerationCapacityException">The queue of waiting generations is full.</exception>
    ValueTask<string> RetryAsync(RetryRequest request, CancellationToken cancellationToken = default);

    /// <summary>Returns a generation's record (request, plan, status, end time), or <see langword="null"/> when unknown.</summary>
    /// <param name="generationId">The generation.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The record.</returns>
    ValueTask<GenerationRecord?> GetRecordAsync(string generationId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs a generation inline through the same pipeline, yielding its events as they are appended.
    /// Cancelling the enumeration cancels the run.
    /// </summary>
    /// <param name="request">What to generate.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The events, ending with the terminal one.</returns>
    IAsyncEnumerable<StreamingProgressEvent> RunAsync(GenerationRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Watches a generation from its log: from the start, or strictly after <paramref name="afterSequence"/>.
    /// Disposing the subscription never affects the run.
    /// </summary>
    /// <param name="generationId">The generation.</param>
    /// <param name="afterSequence">The last sequence number the watcher has, or 0.</param>
    /// <param name="cancellationToken">Cancels subscribing.</param>
    /// <returns>The subscription.</returns>
    /// <exception cref="GenerationNotFoundException">The generation is unknown.</exception>
    ValueTask<EventLogSubscription> WatchAsync(string generationId, long afterSequence = 0, CancellationToken cancellationToken = default);

    /// <summary>
    /// Requests cancellation of a generation: its generator's token fires and it ends with status <c>cancelled</c>;
    /// files saved so far stay.
    /// </summary>
    /// <param name="generationId">The generation.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns><see langword="true"/> when the run was still going; <see langword="false"/> when it had already ended.</returns>
    /// <exception cref="GenerationNotFoundException">The generation is unknown.</exception>
    ValueTask<bool> CancelAsync(string generationId, CancellationToken cancellationToken = default);

    /// <summary>Returns the latest state of a generation: its last event and its file counts.</summary>
    /// <param name="generationId">The generation.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The snapshot.</returns>
    /// <exception cref="GenerationNotFoundException">The generation is unknown.</exception>
    ValueTask<GenerationSnapshot> GetSnapshotAsync(string generationId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Lists one user's generations, newest first, a page at a time (<c>GET {prefix}?owner=me</c>): each with its status,
    /// the stage and progress of its latest event, its usage and budget. Keyset-paged over the record store's index by
    /// user; a generation deleted by retention leaves the list with it.
    /// </summary>
    /// <param name="query">The user, an optional status, the page size (1–100) and where the page starts.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The page and where the next one starts.</returns>
    /// <exception cref="ArgumentException">The query is not valid (no user, a limit out of range).</exception>
    /// <exception cref="NotSupportedException">The record store keeps no index by user.</exception>
    ValueTask<GenerationListPage> ListGenerationsAsync(GenerationRecordQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes its user's input for a generation: at a review gate (approve, revise the plan, edit files, lock paths,
    /// instruct, cancel) or while a phase runs (instruct, lock, cancel). The input is stored before this returns; an
    /// approval or a revised plan continues the run (through the queue, on any instance).
    /// </summary>
    /// <param name="generationId">The generation.</param>
    /// <param name="input">The input (see <see cref="Contracts.InputActions"/>).</param>
    /// <param name="cancellationToken">Cancels the request before the input is stored.</param>
    /// <returns>The action taken, the id of the event it caused and the status after it.</returns>
    /// <exception cref="InvalidGenerationRequestException">The input is malformed or over a limit (the message names the field).</exception>
    /// <exception cref="EventLog.GenerationNotFoundException">The generation is unknown.</exception>
    /// <exception cref="GenerationConflictException">The action needs a gate the generation is not at, or it has ended.</exception>
    /// <exception cref="GenerationInputLimitException">The generation takes no more instructions.</exception>
    ValueTask<Contracts.GenerationInputAccepted> SendInputAsync(string generationId, Contracts.GenerationInputRequest input, CancellationToken cancellationToken = default);

    /// <summary>
    /// Forks a generation from a saved phase: a new generation that keeps phases 1 to <see cref="ForkRequest.FromPhase"/>
    /// of the source (sharing their content, copying nothing) and generates only the later phases.
    /// </summary>
    /// <param name="request">The source, the phase and an optional modification prompt.</param>
    /// <param name="cancellationToken">Cancels admission.</param>
    /// <returns>The new generation's id.</returns>
    /// <exception cref="InvalidGenerationRequestException">The phase is 0, past the last phase saved, or the prompt is too long.</exception>
    /// <exception cref="EventLog.GenerationNotFoundException">The source is unknown or has no files.</exception>
    /// <exception cref="GenerationConflictException">The source is running, or its files were saved without phase history.</exception>
    ValueTask<string> ForkAsync(ForkRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reverts files without the model: a new iteration of the generation whose listed paths are restored from another
    /// state. It runs one phase that calls no generator and ends <c>completed</c>.
    /// </summary>
    /// <param name="request">The generation, the paths and the state to restore them from.</param>
    /// <param name="cancellationToken">Cancels admission.</param>
    /// <returns>The new generation's id.</returns>
    /// <exception cref="InvalidGenerationRequestException">A path is malformed, repeated, or in neither state; too many paths; <c>to</c> is malformed or an unsaved phase.</exception>
    /// <exception cref="EventLog.GenerationNotFoundException">The generation, or the generation named by <c>to</c>, is unknown.</exception>
    /// <exception cref="GenerationConflictException">The generation has not ended, or a path is locked.</exception>
    ValueTask<string> RevertAsync(RevertRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Compares a generation's files with an older state: <paramref name="against"/> is another generation's id (its
    /// files now) or <c>phase:{k}</c> (this generation's files after its phase k; <c>phase:0</c> is what it started with).
    /// Text files within the limits get a unified diff.
    /// </summary>
    /// <param name="generationId">The newer side.</param>
    /// <param name="against">The older side.</param>
    /// <param name="cancellationToken">Cancels the diff.</param>
    /// <returns>Every path of either side, with its change and, for changed text files, the diff.</returns>
    /// <exception cref="InvalidGenerationRequestException"><paramref name="against"/> is malformed or names a phase not saved.</exception>
    /// <exception cref="EventLog.GenerationNotFoundException">Either generation is unknown or has no files.</exception>
    /// <exception cref="GenerationConflictException">The phase asked for was saved before phase history was kept.</exception>
    ValueTask<Contracts.GenerationDiff> DiffAsync(string generationId, string against, CancellationToken cancellationToken = default);

    /// <summary>
    /// The phase in progress as it stands: the files it finished (not saved yet) and the text so far of the file being
    /// written, with the id of the last event whose <c>partial_output</c> deltas they include. From the run itself on
    /// the instance that holds it, otherwise from the live checkpoint (any instance sharing the store).
    /// </summary>
    /// <param name="generationId">The generation.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The live state; no phase and no files when none is in progress.</returns>
    /// <exception cref="EventLog.GenerationNotFoundException">The generation is unknown.</exception>
    ValueTask<Contracts.GenerationLive> GetLiveAsync(string generationId, CancellationToken cancellationToken = default);
}
