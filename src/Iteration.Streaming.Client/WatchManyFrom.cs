namespace Iteration.Streaming.Client;

/// <summary>Where a multiplexed watch starts each generation it follows (<c>from=</c> of <c>GET /generations/stream</c>).</summary>
public enum WatchManyFrom
{
    /// <summary>At each generation's latest event, delivered first (<c>from=now</c>): what a dashboard shows.</summary>
    Now = 0,

    /// <summary>At each generation's first event (<c>from=start</c>): every event each one has logged, then live.</summary>
    Start = 1,
}
