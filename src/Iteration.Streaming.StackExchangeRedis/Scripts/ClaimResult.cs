namespace Iteration.Streaming.StackExchangeRedis.Scripts;

/// <summary>
/// What the claim script answered: <see cref="Code"/> 1 claimed (the log's last sequence is <see cref="Last"/>), 2 held
/// by this instance already, 0 refused, -1 unknown, -2 ended, -3 waits at a review gate (a takeover leaves it).
/// </summary>
internal readonly record struct ClaimResult(long Code, long Last)
{
    public const long Claimed = 1;
    public const long AlreadyHeld = 2;
    public const long Refused = 0;
    public const long Unknown = -1;
    public const long Ended = -2;
    public const long Waiting = -3;
}
