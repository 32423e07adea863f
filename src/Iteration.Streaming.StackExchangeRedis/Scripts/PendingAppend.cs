using Iteration.Streaming.EventLog;

namespace Iteration.Streaming.StackExchangeRedis.Scripts;

/// <summary>One append waiting in an <see cref="AppendBatcher"/> for its batch's answer.</summary>
internal sealed class PendingAppend(EventLogEntry entry, int maxEvents, long nowMilliseconds)
    : TaskCompletionSource<AppendResult>(TaskCreationOptions.RunContinuationsAsynchronously)
{
    public EventLogEntry Entry { get; } = entry;

    public int MaxEvents { get; } = maxEvents;

    public long NowMilliseconds { get; } = nowMilliseconds;

    public void Complete(AppendResult result) => TrySetResult(result);

    public void Fail(Exception exception) => TrySetException(exception);
}
