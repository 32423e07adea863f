namespace Iteration.Streaming.StackExchangeRedis.EventLog;

/// <summary>
/// What the append script answered: <see cref="Code"/> 0 appended at <see cref="Sequence"/>, -1 unknown generation,
/// -2 already ended at <see cref="Sequence"/>, -3 takeover refused.
/// </summary>
internal readonly record struct AppendResult(long Code, long Sequence)
{
    public const long Appended = 0;
    public const long Unknown = -1;
    public const long Ended = -2;
    public const long TakeoverRefused = -3;
}
