using Iteration.Streaming.Records;

namespace Iteration.Streaming.ScaleOut;

/// <summary>
/// The seam a scale-out backplane plugs into (<c>Iteration.Streaming.StackExchangeRedis</c> is one): coordinates runs
/// between app instances that share generations through a shared <see cref="IGenerationRecordStore"/> and
/// <see cref="EventLog.IGenerationEventLog"/>. It decides who owns each run, carries a cancel requested on one instance
/// to the instance running it, and brings runs whose owner went away (it stopped renewing its ownership, or handed its
/// runs over while shutting down) to exactly one other instance, which resumes them from their last saved phase.
/// The default, for one instance, owns everything locally and does nothing.
/// </summary>
/// <remarks>
/// Register an implementation as a singleton after <c>AddIterationStreaming</c> (it replaces the default). The engine
/// calls <see cref="Hold"/> for every run it admits or resumes, <see cref="TryClaimAsync"/> before resuming an
/// interrupted run at start, reads <see cref="WatchOrphanedRunsAsync"/> while the host runs, and calls
/// <see cref="HandOverAsync"/> for each run it stops without ending (the host is stopping). An implementation must make
/// every claim exclusive: a run is resumed by at most one instance at a time, and an instance that lost a run must not be
/// able to append to its log any more.
/// </remarks>
public interface IRunCoordinator
{
    /// <summary>This instance's name, recorded as the owner of the runs it admits; <see langword="null"/> when alone.</summary>
    string? InstanceName { get; }

    /// <summary>
    /// Keeps this instance's ownership of a run it admitted or claimed until the returned registration is disposed,
    /// after the run's terminal event or its hand-over. <paramref name="onSignal"/> is called when the run must stop here:
    /// <see cref="RunSignal.CancelRequested"/> for a cancel requested on another instance,
    /// <see cref="RunSignal.OwnershipLost"/> when this instance no longer owns it (it was ended or taken over elsewhere);
    /// and with <see cref="RunSignal.InputArrived"/> when another instance stored input for it (<see cref="NotifyInputAsync"/>).
    /// </summary>
    /// <param name="generationId">The run's generation.</param>
    /// <param name="onSignal">Stops the run here, or has it read its new input; called at most once per stop reason.</param>
    /// <returns>The registration; disposing it lets go of the run.</returns>
    IDisposable Hold(string generationId, Action<RunSignal> onSignal);

    /// <summary>
    /// Tells the instance running <paramref name="generationId"/> that input for it was stored in its record (an
    /// instruction or a lock sent while a phase runs): its <see cref="Hold"/> callback gets <see cref="RunSignal.InputArrived"/>.
    /// </summary>
    /// <param name="generationId">The generation.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns><see langword="true"/> when an instance runs it and was told.</returns>
    ValueTask<bool> NotifyInputAsync(string generationId, CancellationToken cancellationToken = default);

    /// <summary>Asks the instance running <paramref name="generationId"/> to cancel it.</summary>
    /// <param name="generationId">The generation.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns><see langword="true"/> when the run was still going and the request was recorded.</returns>
    ValueTask<bool> RequestCancelAsync(string generationId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Claims an interrupted run for this instance, when no other instance owns it now; the engine calls it before it
    /// resumes the run, and <see cref="Hold"/> at once after.
    /// </summary>
    /// <param name="generationId">The generation.</param>
    /// <param name="cancellationToken">Cancels the claim.</param>
    /// <returns><see langword="true"/> when this instance owns the run now.</returns>
    ValueTask<bool> TryClaimAsync(string generationId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Yields, while enumerated, the generations whose owner went away and that this instance has claimed (each one at
    /// most once over all instances); the engine resumes each from its last saved phase, or ends it <c>failed</c> past
    /// <c>MaxResumeAttempts</c>. Nothing is claimed while nobody enumerates. One enumeration at a time.
    /// </summary>
    /// <param name="cancellationToken">Ends the enumeration.</param>
    /// <returns>The claimed generations.</returns>
    IAsyncEnumerable<string> WatchOrphanedRunsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Hands a run this instance stopped without ending it (the host is stopping) over to the other instances, so one of
    /// them resumes it now rather than after its ownership lapses. Call it before disposing the run's <see cref="Hold"/>.
    /// </summary>
    /// <param name="generationId">The generation.</param>
    /// <param name="cancellationToken">Cancels the hand-over (the run is then resumed once its ownership lapses).</param>
    /// <returns>A task that completes when the run is handed over.</returns>
    ValueTask HandOverAsync(string generationId, CancellationToken cancellationToken = default);
}
