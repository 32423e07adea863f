namespace Iteration.Streaming.Modes;

/// <summary>
/// Chooses a run's pipeline and A/B group before it starts. The default buckets deterministically by generation id,
/// with the split set in <see cref="GenerationModeOptions"/>.
/// </summary>
public interface IGenerationModeSelector
{
    /// <summary>Chooses the mode of a new run.</summary>
    /// <param name="context">The run.</param>
    /// <param name="cancellationToken">Cancels the choice (and starting the run).</param>
    /// <returns>The assignment, stamped on every event of the run.</returns>
    ValueTask<GenerationModeAssignment> SelectAsync(GenerationModeSelectionContext context, CancellationToken cancellationToken = default);
}
