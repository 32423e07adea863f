namespace Iteration.Streaming.ScaleOut;

/// <summary>What an <see cref="IRunCoordinator"/> tells the instance that runs a generation.</summary>
public enum RunSignal
{
    /// <summary>A cancel was requested on another instance: the run ends <c>cancelled</c>.</summary>
    CancelRequested = 1,

    /// <summary>
    /// This instance no longer owns the run (another instance ended it or took it over): the run stops here without
    /// appending anything more.
    /// </summary>
    OwnershipLost = 2,

    /// <summary>
    /// Input for the run (an instruction or a lock sent while a phase runs) was stored on another instance: the run reads
    /// it from its record and emits its <c>input_received</c>. Not a stop.
    /// </summary>
    InputArrived = 3,
}
