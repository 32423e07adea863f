namespace Iteration.Streaming.StackExchangeRedis.Scripts;

/// <summary>What the renew script answers for one run.</summary>
internal enum RenewResult
{
    /// <summary>Another instance owns the run.</summary>
    NotOwner = 0,

    /// <summary>The lease is extended.</summary>
    Renewed = 1,

    /// <summary>The lease is extended, and a cancel was requested.</summary>
    CancelRequested = 2,

    /// <summary>The lease is extended, and input for the run was stored on another instance since the last renewal.</summary>
    InputArrived = 3,

    /// <summary>Redis does not know the generation (it restarted without persistence, or the generation was deleted).</summary>
    Unknown = -1,

    /// <summary>The generation has ended.</summary>
    Ended = -2,
}
