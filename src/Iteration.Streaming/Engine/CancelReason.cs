namespace Iteration.Streaming.Engine;

/// <summary>Why a run's token fired; the first reason wins.</summary>
internal enum CancelReason
{
    None = 0,
    User = 1,
    Timeout = 2,
    Shutdown = 3,
}
