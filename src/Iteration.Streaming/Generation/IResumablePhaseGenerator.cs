namespace Iteration.Streaming.Generation;

/// <summary>
/// A phase generator that can continue an interrupted phase from its last checkpoint (a restart, a shutdown, a
/// takeover by another instance, an automatic retry, or a retry of a run that failed mid-phase) instead of generating it
/// again from its start, such as by reconnecting to the model's answer with a continuation token.
/// </summary>
/// <remarks>
/// <para>The engine calls <see cref="PrepareResumeAsync"/> once, before the run's <c>resumed</c> event, on the same
/// instance whose <see cref="IPhaseGenerator.GenerateAsync"/> it then calls for that phase (generators are scoped to
/// the run), so the instance may keep what it opened (a model stream) for it.</para>
/// <para>On <see cref="PhaseResumeDecision.Continue"/>, <see cref="PhaseContext.Checkpoint"/> is set in the context
/// of <see cref="IPhaseGenerator.GenerateAsync"/>: the checkpoint's files are already the phase's (yield only what
/// comes after them; a path yielded again replaces its file), and the first live report of
/// <see cref="PhaseCheckpoint.CurrentFile"/> starts at the length of <see cref="PhaseCheckpoint.CurrentText"/>. On
/// <see cref="PhaseResumeDecision.Restart"/>, the phase is generated from its start, with no checkpoint, and the
/// <c>resumed</c> event and the log say why.</para>
/// </remarks>
public interface IResumablePhaseGenerator : IPhaseGenerator
{
    /// <summary>Decides whether the phase continues from <see cref="PhaseContext.Checkpoint"/>.</summary>
    /// <param name="context">The phase's context, with <see cref="PhaseContext.Checkpoint"/> set; reports through it are ignored.</param>
    /// <param name="cancellationToken">Cancels the operation (the run is cancelled).</param>
    /// <returns>Continue, or restart with the reason.</returns>
    ValueTask<PhaseResumeDecision> PrepareResumeAsync(PhaseContext context, CancellationToken cancellationToken = default);
}
