using System.Diagnostics;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Engine;

/// <summary>
/// The live state of one generation while the engine holds it (queued or running): its token, its progress so far
/// and the watchdog timer. Only the run's own task appends its events, except the first one (appended on admission)
/// and the cancelled event of a run that never left the queue.
/// </summary>
internal sealed class GenerationRun : IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private readonly Lock _gate = new();
    private int _cancelReason;
    private bool _disposed;
    private ITimer? _watchdog;
    private TimeSpan _idleTimeout;

    public GenerationRun(string generationId, RunDefinition definition, GenerationModeAssignment mode, DateTimeOffset createdAt, ActivityContext startedFrom)
    {
        GenerationId = generationId;
        Definition = definition;
        Mode = mode;
        CreatedAt = createdAt;
        StartedFrom = startedFrom;
    }

    public string GenerationId { get; }

    public RunDefinition Definition { get; }

    public GenerationModeAssignment Mode { get; }

    public DateTimeOffset CreatedAt { get; }

    /// <summary>The activity of the request that started the run; the run's span links to it.</summary>
    public ActivityContext StartedFrom { get; }

    public CancellationToken Token => _cancellation.Token;

    public CancelReason CancelReason => (CancelReason)Volatile.Read(ref _cancelReason);

    /// <summary>Changed under the engine's lock.</summary>
    public RunState State { get; set; }

    /// <summary>The run's node in the engine's queue while it waits.</summary>
    public LinkedListNode<GenerationRun>? QueueNode { get; set; }

    /// <summary>Set once the first event (queued or initializing) is in the log: the run may append after it.</summary>
    public TaskCompletionSource Admitted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Set when the run has appended its terminal event (or given up trying) and released its slot.</summary>
    public TaskCompletionSource Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Set just before the terminal event is appended: cancelling no longer changes anything.</summary>
    public bool IsEnding { get; set; }

    /// <summary>Whether <c>initializing</c> was already appended on admission.</summary>
    public bool InitializingSent { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    /// <summary>This instance's hold on the run (<see cref="IRunCoordinator.Hold"/>); released when the run is disposed.</summary>
    public IDisposable? Ownership { get; set; }

    public ProgressModel? Model { get; set; }

    /// <summary>The highest progress sent so far.</summary>
    public double Progress { get; private set; }

    /// <summary>Returns the progress to send: never below what was sent before.</summary>
    public double Advance(double progress)
    {
        Progress = Math.Max(Progress, ProgressModel.Round(progress));
        return Progress;
    }

    /// <summary>Fires the run's token for <paramref name="reason"/> unless it fired already.</summary>
    /// <returns><see langword="true"/> when this call fired it.</returns>
    public bool TryCancel(CancelReason reason)
    {
        lock (_gate)
        {
            if (_disposed || Interlocked.CompareExchange(ref _cancelReason, (int)reason, (int)CancelReason.None) != (int)CancelReason.None)
            {
                return false;
            }
        }

        // Outside the lock: cancellation runs continuations inline. A run disposed in between has ended anyway.
        try
        {
            _cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }

        return true;
    }

    /// <summary>Starts the stall watchdog: no <see cref="Touch"/> for <paramref name="idleTimeout"/> cancels with <see cref="CancelReason.Timeout"/>.</summary>
    public void StartWatchdog(TimeProvider timeProvider, TimeSpan idleTimeout)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _idleTimeout = idleTimeout;
            _watchdog = timeProvider.CreateTimer(
                static state => ((GenerationRun)state!).TryCancel(CancelReason.Timeout),
                this,
                idleTimeout,
                Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Records that the run emitted an event: the watchdog starts counting again.</summary>
    public void Touch()
    {
        lock (_gate)
        {
            _watchdog?.Change(_idleTimeout, Timeout.InfiniteTimeSpan);
        }
    }

    public void StopWatchdog()
    {
        lock (_gate)
        {
            _watchdog?.Dispose();
            _watchdog = null;
        }
    }

    /// <summary>Builds an event of this run with the fields every event carries.</summary>
    public StreamingProgressEvent CreateEvent(string status, string stage, double progress, string message, DateTimeOffset timestamp, double? estimatedTimeRemaining = null) => new()
    {
        GenerationId = GenerationId,
        Status = status,
        Stage = stage,
        Progress = Advance(progress),
        Message = message,
        Timestamp = timestamp,
        AbGroup = Mode.AbGroup,
        EnhancedFeatures = Mode.EnhancedFeatures,
        GenerationMode = Mode.GenerationMode,
        EstimatedTimeRemaining = estimatedTimeRemaining,
    };

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _watchdog?.Dispose();
            _watchdog = null;
        }

        Ownership?.Dispose();
        _cancellation.Dispose();
    }
}
