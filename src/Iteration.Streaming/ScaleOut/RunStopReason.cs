namespace Iteration.Streaming.ScaleOut;

/// <summary>Why an <see cref="IRunCoordinator"/> stops a run on this instance.</summary>
public enum RunStopReason
{
    /// <summary>A cancel was requested on another instance: the run ends <c>cancelled</c>.</summary>
    CancelRequested = 1,

    /// <summary>
    /// This instance no longer owns the run (another instance ended it or took it over): the run stops here without
    /// appending anything more.
    /// </summary>
    OwnershipLost = 2,
}
