namespace Iteration.Streaming.StackExchangeRedis.EventLog;

/// <summary>A moment's view of the outage buffer.</summary>
/// <param name="Events">Events waiting for Redis.</param>
/// <param name="Generations">Generations with events waiting.</param>
/// <param name="StoppedGenerations">Of those, generations whose run was stopped because the outage went past the limits.</param>
/// <param name="OldestSince">Since when the oldest waiting event waits.</param>
/// <param name="StoppedRunsTotal">Runs stopped by an outage since the instance started.</param>
internal readonly record struct AppendBufferStatus(int Events, int Generations, int StoppedGenerations, DateTimeOffset? OldestSince, long StoppedRunsTotal);
