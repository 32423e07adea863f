using Iteration.Streaming.EventLog;

namespace Iteration.Streaming.StackExchangeRedis.Scripts;

/// <summary>
/// Sends the instance's appends to Redis in batches, one batch in flight at a time: an append made while none is in
/// flight goes out at once (alone, so a quiet instance adds no wait), and the appends made while one is in flight go out
/// together in the next, as one script call. Under load the batches grow by themselves, so Redis runs one script and the
/// instance sends one command per batch instead of per event.
/// </summary>
/// <remarks>
/// Batches go out in the order their appends were made and the script applies a batch's appends in order, so appends
/// keep the order they were made in, per generation and overall. Each append of a batch gets its own answer; a batch
/// that fails (Redis unreachable) fails each of its appends with that error, which is what each would have met alone.
/// </remarks>
internal sealed class AppendBatcher(Func<List<PendingAppend>, Task<AppendResult[]>> send)
{
    /// <summary>The most appends one script call carries.</summary>
    public const int MaxBatchCount = 256;

    /// <summary>The most frame bytes one script call carries (a batch holds at least one append, however large).</summary>
    public const int MaxBatchBytes = 1 << 20;

    private readonly Lock _gate = new();
    private List<PendingAppend> _queued = [];
    private bool _sending;

    public Task<AppendResult> AppendAsync(EventLogEntry entry, int maxEvents, long nowMilliseconds)
    {
        var pending = new PendingAppend(entry, maxEvents, nowMilliseconds);
        bool start;
        lock (_gate)
        {
            _queued.Add(pending);
            start = !_sending;
            _sending = true;
        }

        if (start)
        {
            _ = SendAllAsync();
        }

        return pending.Task;
    }

    private async Task SendAllAsync()
    {
        List<PendingAppend> taken = [];
        while (true)
        {
            lock (_gate)
            {
                if (_queued.Count == 0)
                {
                    _sending = false;
                    return;
                }

                (taken, _queued) = (_queued, taken);
            }

            var index = 0;
            while (index < taken.Count)
            {
                var batch = Cut(taken, ref index);
                try
                {
                    var results = await send(batch).ConfigureAwait(false);
                    for (var i = 0; i < batch.Count; i++)
                    {
                        batch[i].Complete(results[i]);
                    }
                }
                catch (Exception ex)
                {
                    foreach (var pending in batch)
                    {
                        pending.Fail(ex);
                    }
                }
            }

            taken.Clear();
        }
    }

    private static List<PendingAppend> Cut(List<PendingAppend> taken, ref int index)
    {
        if (index == 0 && taken.Count <= MaxBatchCount && FrameBytes(taken) <= MaxBatchBytes)
        {
            index = taken.Count;
            return taken;
        }

        var batch = new List<PendingAppend>();
        long bytes = 0;
        while (index < taken.Count && batch.Count < MaxBatchCount)
        {
            var size = taken[index].Entry.Frame.Length;
            if (batch.Count > 0 && bytes + size > MaxBatchBytes)
            {
                break;
            }

            batch.Add(taken[index++]);
            bytes += size;
        }

        return batch;
    }

    private static long FrameBytes(List<PendingAppend> appends)
    {
        long bytes = 0;
        foreach (var pending in appends)
        {
            bytes += pending.Entry.Frame.Length;
        }

        return bytes;
    }
}
