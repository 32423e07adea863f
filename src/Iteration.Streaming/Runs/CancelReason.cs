namespace Iteration.Streaming.Runs;

/// <summary>Why a run's token fired; the first reason wins.</summary>
internal enum CancelReason
{
    None = 0,
    User = 1,
    Timeout = 2,
    Shutdown = 3,

    /// <summary>
    /// Another instance ended the generation after this one's ownership lapsed: the log holds its terminal event
    /// already, so the run stops without appending anything.
    /// </summary>
    OwnershipLost = 4,

    /// <summary>A usage report crossed the generation's budget: it ends failed, <c>budget_exceeded</c> (<see cref="GenerationRun.StopError"/> says by how much).</summary>
    Budget = 5,

    /// <summary>The generator reported a usage that cannot be true: the run ends failed (<see cref="GenerationRun.StopError"/> says why).</summary>
    InvalidUsage = 6,
}
