namespace Iteration.Streaming.Engine;

/// <summary>Where a run is in its life; changed under the engine's lock.</summary>
internal enum RunState
{
    Queued = 0,
    Running = 1,
    Ended = 2,
}
