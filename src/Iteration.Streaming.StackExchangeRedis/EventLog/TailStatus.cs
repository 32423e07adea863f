namespace Iteration.Streaming.StackExchangeRedis.EventLog;

/// <summary>A moment's view of the tail reader.</summary>
internal readonly record struct TailStatus(
    int WatchedGenerations,
    bool Failing,
    Exception? LastError,
    DateTimeOffset? LastErrorAt,
    DateTimeOffset? LastReadAt);
