using Iteration.Streaming.Generation;

namespace Iteration.Streaming.Runs.Live;

/// <summary>What a resumed run found for the phase it generates first: its checkpoint and whether the phase continues from it.</summary>
/// <param name="Checkpoint">The checkpoint, checked.</param>
/// <param name="Decision">Continue, or restart with the reason.</param>
internal sealed record PhaseResumption(PhaseCheckpoint Checkpoint, PhaseResumeDecision Decision)
{
    public bool Continues => Decision.Continues;
}
