namespace Iteration.Streaming.StackExchangeRedis.Scripts;

/// <summary>
/// What the append script answered: <see cref="Code"/> 0 appended at <see cref="Sequence"/>, -1 unknown generation,
/// -2 already ended at <see cref="Sequence"/>, -3 another instance owns the run.
/// </summary>
internal readonly record struct AppendResult(long Code, long Sequence)
{
    public const long Appended = 0;
    public const long Unknown = -1;
    public const long Ended = -2;
    public const long NotOwner = -3;
}
