namespace Iteration.Streaming.EventLog;

/// <summary>
/// The readers waiting on one log, woken in batches: up to <see cref="BatchSize"/> readers share one task, and one pool
/// work item per batch completes it, running the batch's continuations (each stream's write and flush) inline, after
/// queueing the next batch's work item at the back of the pool's global queue.
/// </summary>
/// <remarks>
/// <para>
/// Why batches, and why the global queue: completing one task that 10,000 readers await (with asynchronous
/// continuations) pushes 10,000 work items onto the local queue of the thread that completes it, and a pool thread
/// drains its local queue before it looks at the global one, where Kestrel's socket sends wait. Every reader then writes
/// its whole backlog into its response pipe before the first byte is sent: a burst of 100 events to 10,000 streams holds
/// hundreds of megabytes of pinned response buffers at once, whose allocation brings gen2 collections and stalls the
/// server for seconds (measured: gaps of 0.6–6.8 s with no delivery). Woken a batch at a time, each batch queued behind
/// the sends the batches before it queued, readers and sends take turns: the burst goes out as a steady stream, and the
/// buffers in flight are a few batches', reused by the next ones.
/// </para>
/// <para>
/// Not thread-safe: <see cref="Register"/> and <see cref="Take"/> are called under the owning log's lock, and
/// <see cref="Wake"/> after leaving it. A continuation of a wait runs on the waking pool thread; one that blocks delays the
/// other readers of its own batch (never the next batches, which are queued first), so readers hand long work off rather
/// than block.
/// </para>
/// </remarks>
internal sealed class ReaderWakeUps
{
    /// <summary>How many readers one work item wakes before the next batch goes to the back of the queue.</summary>
    internal const int BatchSize = 64;

    private TaskCompletionSource<bool>? _current;
    private int _currentCount;
    private List<TaskCompletionSource<bool>>? _filled;

    /// <summary>A task that completes (with <see langword="true"/>) at the next <see cref="Wake"/>; call under the owner's lock.</summary>
    public Task<bool> Register()
    {
        if (_current is null || _currentCount == BatchSize)
        {
            if (_current is not null)
            {
                (_filled ??= []).Add(_current);
            }

            // Continuations run inline on the waking work item (never on the appender's thread: see Wake).
            _current = new TaskCompletionSource<bool>(TaskCreationOptions.None);
            _currentCount = 0;
        }

        _currentCount++;
        return _current.Task;
    }

    /// <summary>Takes every waiting batch (call under the owner's lock) for <see cref="Wake"/>; null when none waits.</summary>
    public object? Take()
    {
        if (_current is null)
        {
            return null;
        }

        object taken = _filled is null ? _current : new WakeChain([.. _filled, _current]);
        _current = null;
        _currentCount = 0;
        _filled = null;
        return taken;
    }

    /// <summary>Wakes what <see cref="Take"/> took, on the pool: never inline on the caller's thread.</summary>
    public static void Wake(object? taken)
    {
        switch (taken)
        {
            case null:
                return;
            case TaskCompletionSource<bool> single:
                ThreadPool.UnsafeQueueUserWorkItem(static s => s.TrySetResult(true), single, preferLocal: false);
                return;
            default:
                ThreadPool.UnsafeQueueUserWorkItem((WakeChain)taken, preferLocal: false);
                return;
        }
    }

    /// <summary>Wakes one batch per execution; each execution first queues the next one.</summary>
    private sealed class WakeChain(TaskCompletionSource<bool>[] batches) : IThreadPoolWorkItem
    {
        private int _claimed = -1;

        public void Execute()
        {
            var index = Interlocked.Increment(ref _claimed);
            if (index + 1 < batches.Length)
            {
                // Behind the sends the earlier batches' flushes queued; and before this batch's continuations run, so
                // that one of them blocking holds up its own batch only.
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
            }

            var batch = batches[index];
            batches[index] = null!;
            batch.TrySetResult(true);
        }
    }
}
