using Iteration.Streaming.Events;
using Iteration.Streaming.Generation;

namespace Iteration.Streaming.Runs;

/// <summary>Where a run is, for its failure message and the log.</summary>
internal sealed class RunPosition
{
    public string Stage { get; set; } = GenerationStages.Initializing;

    public PlannedPhase? Phase { get; set; }
}
