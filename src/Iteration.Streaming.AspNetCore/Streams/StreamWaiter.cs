using System.IO.Pipelines;
using System.Threading.Tasks.Sources;
using Iteration.Streaming.EventLog;

namespace Iteration.Streaming.AspNetCore.Streams;

/// <summary>
/// One stream's reusable wait for "an entry is ready, the log ended, a heartbeat is due, the host is stopping, the
/// stream reached its lifetime, or the client left".
/// </summary>
/// <remarks>
/// Made once per stream: one periodic timer for both the heartbeat and the lifetime (never re-armed per wait: that would
/// take the timer queue's lock on every event), a registration on the request's and on the host's stopping token, and a
/// reusable awaitable, so a busy stream allocates nothing per wake-up and an idle one holds a few small objects (no linked
/// token source, no second timer: an idle stream's memory is most of what a server with many watchers holds). A tick ends
/// a wait that has lasted at least the interval, so an idle stream gets a heartbeat every interval and the first one comes
/// one to two intervals after the last event. The subscription's own wait is left pending across heartbeats, never
/// abandoned and re-made. A wait is awaited by one reader at a time. When the host stops or the lifetime ends while the
/// stream is writing, a flush blocked on a slow client is cancelled and the next wait says why.
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
    private readonly CancellationTokenRegistration _stopping;
    private readonly PipeWriter? _writer;
    private readonly long _startedAt;
    private readonly TimeSpan _lifetime;
    private ManualResetValueTaskSourceCore<Wake> _core;
    private ValueTask<bool> _pendingWait;
    private bool _waitPending;
    private Wake? _readyWhileUnarmed;
    private Exception? _failedWhileUnarmed;
    private bool _armed;
    private long _armedAt;
    private Wake? _closing;
    private bool _lifetimeTimed;

    /// <param name="subscription">The log being streamed.</param>
    /// <param name="heartbeatInterval">How long a wait lasts without an entry before it ends with <see cref="Wake.Heartbeat"/>.</param>
    /// <param name="timeProvider">The clock of the heartbeat and the lifetime.</param>
    /// <param name="writer">The stream's writer, whose blocked flush is cancelled when the host stops or the lifetime ends.</param>
    /// <param name="lifetime">After this long a wait ends with <see cref="Wake.LifetimeReached"/>; null for no limit.</param>
    /// <param name="stopping">The host is stopping: a wait ends with <see cref="Wake.HostStopping"/>.</param>
    /// <param name="cancellationToken">The client left (the request aborted): a wait throws <see cref="OperationCanceledException"/>.</param>
    public StreamWaiter(
        EventLogSubscription subscription,
        TimeSpan heartbeatInterval,
        TimeProvider timeProvider,
        PipeWriter? writer,
        TimeSpan? lifetime,
        CancellationToken stopping,
        CancellationToken cancellationToken)
    {
        _subscription = subscription;
        _heartbeatInterval = heartbeatInterval;
        _timeProvider = timeProvider;
        _cancellationToken = cancellationToken;
        _writer = writer;
        _lifetime = lifetime ?? Timeout.InfiniteTimeSpan;
        _startedAt = timeProvider.GetTimestamp();

        // The wake-up already runs on a pool thread: the stream's loop goes on there instead of hopping again.
        _core.RunContinuationsAsynchronously = false;
        _onSubscriptionReady = OnSubscriptionReady;

        // The first tick comes at the lifetime's end when that is nearer than a heartbeat (see OnTick for later ones).
        var firstTick = lifetime is { } limit && limit < heartbeatInterval ? limit : heartbeatInterval;
        _lifetimeTimed = firstTick != heartbeatInterval;
        _heartbeat = timeProvider.CreateTimer(static s => ((StreamWaiter)s!).OnTick(), this, firstTick, heartbeatInterval);
        _cancellation = cancellationToken.UnsafeRegister(static s => ((StreamWaiter)s!).OnCancelled(), this);
        if (stopping.CanBeCanceled)
        {
            _stopping = stopping.UnsafeRegister(static s => ((StreamWaiter)s!).Close(Wake.HostStopping), this);
        }
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

        /// <summary>The host is stopping: the stream ends now and its client reconnects (elsewhere).</summary>
        HostStopping,

        /// <summary>The stream reached its lifetime: it ends now and its client reconnects.</summary>
        LifetimeReached,
    }

    /// <summary>Why the stream must end before its terminal event, once the host stops or the lifetime ends; else null.</summary>
    public Wake? Closing
    {
        get
        {
            lock (_gate)
            {
                return _closing;
            }
        }
    }

    /// <summary>Waits for the next entry, the end of the log, or the heartbeat; throws when the stream is cancelled.</summary>
    public ValueTask<Wake> WaitAsync()
    {
        ValueTask<bool> wait = default;
        var register = false;
        lock (_gate)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            if (_closing is { } closing)
            {
                return ValueTask.FromResult(closing);
            }

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
        _stopping.Dispose();
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

    private void OnTick()
    {
        if (_lifetime != Timeout.InfiniteTimeSpan)
        {
            var left = _lifetime - _timeProvider.GetElapsedTime(_startedAt);
            if (left <= TimerSlack)
            {
                Close(Wake.LifetimeReached);
                return;
            }

            if (left < _heartbeatInterval && !_lifetimeTimed)
            {
                // The next tick lands on the lifetime's end: one change of the timer in the stream's whole life.
                _lifetimeTimed = true;
                _heartbeat.Change(left, _heartbeatInterval);
            }
        }

        OnHeartbeat();
    }

    /// <summary>Ends the stream for <paramref name="reason"/>: the pending wait (or the next one) returns it.</summary>
    private void Close(Wake reason)
    {
        bool complete;
        lock (_gate)
        {
            if (_closing is not null)
            {
                return;
            }

            _closing = reason;
            complete = Disarm();
        }

        if (complete)
        {
            // Not inline on the thread that stops the host (it runs every stream's callback in turn).
            ThreadPool.UnsafeQueueUserWorkItem(static s => s.Self._core.SetResult(s.Reason), (Self: this, Reason: reason), preferLocal: false);
        }
        else
        {
            // Writing: a flush waiting on a slow client returns cancelled, and the next wait says why.
            _writer?.CancelPendingFlush();
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
