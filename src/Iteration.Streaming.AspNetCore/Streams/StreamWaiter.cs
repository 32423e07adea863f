using System.Threading.Tasks.Sources;
using Iteration.Streaming.EventLog;

namespace Iteration.Streaming.AspNetCore.Streams;

/// <summary>
/// One stream's reusable wait for "an entry is ready, the log ended, a heartbeat is due, or the stream is cancelled".
/// </summary>
/// <remarks>
/// Made once per stream: one periodic heartbeat timer (never re-armed per wait: that would take the timer queue's lock on
/// every event), one cancellation registration, and a reusable awaitable, so a busy stream allocates nothing per wake-up
/// and an idle one holds a few small objects. A tick ends a wait that has lasted at least the interval, so an idle stream
/// gets a heartbeat every interval and the first one comes one to two intervals after the last event. The subscription's
/// own wait is left pending across heartbeats, never abandoned and re-made. A wait is awaited by one reader at a time.
/// </remarks>
internal sealed class StreamWaiter : IValueTaskSource<StreamWaiter.Wake>, IDisposable
{
    // Timers may fire a little early by the high-resolution clock (they run on a coarser one).
    private static readonly TimeSpan TimerSlack = TimeSpan.FromMilliseconds(20);

    private readonly Lock _gate = new();
    private readonly EventLogSubscription _subscription;
    private readonly TimeSpan _heartbeatInterval;
    private readonly TimeProvider _timeProvider;
    private readonly CancellationToken _cancellationToken;
    private readonly Action _onSubscriptionReady;
    private readonly ITimer _heartbeat;
    private readonly CancellationTokenRegistration _cancellation;
    private ManualResetValueTaskSourceCore<Wake> _core;
    private ValueTask<bool> _pendingWait;
    private bool _waitPending;
    private Wake? _readyWhileUnarmed;
    private Exception? _failedWhileUnarmed;
    private bool _armed;
    private long _armedAt;

    public StreamWaiter(EventLogSubscription subscription, TimeSpan heartbeatInterval, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        _subscription = subscription;
        _heartbeatInterval = heartbeatInterval;
        _timeProvider = timeProvider;
        _cancellationToken = cancellationToken;

        // The wake-up already runs on a pool thread: the stream's loop goes on there instead of hopping again.
        _core.RunContinuationsAsynchronously = false;
        _onSubscriptionReady = OnSubscriptionReady;
        _heartbeat = timeProvider.CreateTimer(static s => ((StreamWaiter)s!).OnHeartbeat(), this, heartbeatInterval, heartbeatInterval);
        _cancellation = cancellationToken.UnsafeRegister(static s => ((StreamWaiter)s!).OnCancelled(), this);
    }

    /// <summary>Why a wait ended.</summary>
    public enum Wake
    {
        /// <summary><see cref="EventLogSubscription.TryRead"/> will return an entry.</summary>
        Ready,

        /// <summary>The terminal event has been read: nothing more will come.</summary>
        Ended,

        /// <summary>Nothing arrived for the heartbeat interval.</summary>
        Heartbeat,
    }

    /// <summary>Waits for the next entry, the end of the log, or the heartbeat; throws when the stream is cancelled.</summary>
    public ValueTask<Wake> WaitAsync()
    {
        ValueTask<bool> wait = default;
        var register = false;
        lock (_gate)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            if (_failedWhileUnarmed is { } failure)
            {
                _failedWhileUnarmed = null;
                return ValueTask.FromException<Wake>(failure);
            }

            if (_readyWhileUnarmed is { } ready)
            {
                _readyWhileUnarmed = null;
                return ValueTask.FromResult(ready);
            }

            if (!_waitPending)
            {
                wait = _subscription.WaitToReadAsync(CancellationToken.None);
                if (wait.IsCompletedSuccessfully)
                {
                    return ValueTask.FromResult(wait.Result ? Wake.Ready : Wake.Ended);
                }

                _pendingWait = wait;
                _waitPending = true;
                register = true;
            }

            _core.Reset();
            _armed = true;
            _armedAt = _timeProvider.GetTimestamp();
        }

        if (register)
        {
            // Outside the lock: a wait that completed meanwhile runs its continuation on the pool, never inline here.
            wait.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_onSubscriptionReady);
        }

        return new ValueTask<Wake>(this, _core.Version);
    }

    public void Dispose()
    {
        _cancellation.Dispose();
        _heartbeat.Dispose();
    }

    Wake IValueTaskSource<Wake>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<Wake>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<Wake>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    private void OnSubscriptionReady()
    {
        Wake outcome = Wake.Ready;
        Exception? failure = null;
        try
        {
            outcome = _pendingWait.GetAwaiter().GetResult() ? Wake.Ready : Wake.Ended;
        }
        catch (Exception ex)
        {
            failure = ex;
        }

        bool complete;
        lock (_gate)
        {
            _pendingWait = default;
            _waitPending = false;
            complete = Disarm();
            if (!complete)
            {
                // Arrived between a heartbeat and the next wait: the next wait returns it at once.
                _readyWhileUnarmed = outcome;
                _failedWhileUnarmed = failure;
            }
        }

        if (complete)
        {
            if (failure is null)
            {
                _core.SetResult(outcome);
            }
            else
            {
                _core.SetException(failure);
            }
        }
    }

    private void OnHeartbeat()
    {
        bool complete;
        lock (_gate)
        {
            // A wait that began after the previous tick has not been idle for a whole interval yet: the next tick decides.
            complete = _armed && _timeProvider.GetElapsedTime(_armedAt) >= _heartbeatInterval - TimerSlack && Disarm();
        }

        if (complete)
        {
            _core.SetResult(Wake.Heartbeat);
        }
    }

    private void OnCancelled()
    {
        bool complete;
        lock (_gate)
        {
            complete = Disarm();
        }

        if (complete)
        {
            // Not inline on the thread that cancels (Kestrel aborting the request): the stream unwinds on the pool.
            ThreadPool.UnsafeQueueUserWorkItem(
                static s => s._core.SetException(new OperationCanceledException(s._cancellationToken)),
                this,
                preferLocal: false);
        }
    }

    private bool Disarm()
    {
        if (!_armed)
        {
            return false;
        }

        _armed = false;
        return true;
    }
}
