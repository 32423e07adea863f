using System.Diagnostics;
using Iteration.Streaming.Events;
using Iteration.Streaming.Modes;
using Iteration.Streaming.Records;
using Iteration.Streaming.ScaleOut;

namespace Iteration.Streaming.Runs;

/// <summary>
/// The live state of one generation while this process holds it (queued or running), from its admission (or its
/// continuation after a restart, a takeover or its user's input) until it ends, is interrupted or stops at a review
/// gate: its record as admitted, its token, its progress so far and the stall watchdog. The scheduler owns its slot,
/// <see cref="RunEvents"/> every event appended. Each signal has one completer: <see cref="Admitted"/> by
/// <see cref="RunAdmission"/>, <see cref="FirstEvent"/> by <see cref="RunEvents"/>, <see cref="EndedUnstored"/> by
/// <see cref="RunEnding"/>, <see cref="Finished"/> by <see cref="RunRegistry"/>.
/// </summary>
internal sealed class GenerationRun : IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();

    // Never disposed: watchers' subscriptions may hold its token after the run has gone (it has no timer to free).
    private readonly CancellationTokenSource _endedUnstored = new();
    private readonly Lock _gate = new();
    private int _cancelReason;
    private bool _disposed;
    private ITimer? _watchdog;
    private TimeSpan _idleTimeout;

    public GenerationRun(GenerationRecord record, RunStart start, ActivityContext startedFrom)
    {
        Record = record;
        Start = start;
        Definition = RunDefinition.From(record);
        Mode = record.Mode ?? GenerationModeAssignment.Unconfigured;
        StartedFrom = startedFrom;
        Spend = new Budgets.RunSpend(record);
    }

    public string GenerationId => Record.GenerationId;

    /// <summary>The record when the run was admitted: the plan and the saved phases a resumed run starts from.</summary>
    public GenerationRecord Record { get; }

    public RunStart Start { get; }

    public RunDefinition Definition { get; }

    public GenerationModeAssignment Mode { get; }

    /// <summary>The activity of the request that started the run; the run's span links to it.</summary>
    public ActivityContext StartedFrom { get; }

    public CancellationToken Token => _cancellation.Token;

    public CancelReason CancelReason => (CancelReason)Volatile.Read(ref _cancelReason);

    /// <summary>Completed once the run may append: its <c>queued</c> event, if it waited, is in the log.</summary>
    public TaskCompletionSource Admitted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the run's first event is in the log (or fails with why it could not be appended).</summary>
    public Task FirstEvent => FirstEventSignal.Task;

    /// <summary>Completed by <see cref="RunEvents"/> only.</summary>
    internal TaskCompletionSource FirstEventSignal { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Held while an event of the run is appended: the run's task and an input arriving meanwhile take turns.</summary>
    public SemaphoreSlim AppendLock { get; } = new(1, 1);

    /// <summary>How many inputs of the record have their <c>input_received</c> in the log (read at admission, counted after).</summary>
    public int InputsEmitted { get; set; }

    /// <summary>Completed when the run has ended here (terminal event appended, or stopped without one) and freed its slot.</summary>
    public TaskCompletionSource Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DateTimeOffset? StartedAt { get; set; }

    /// <summary>This instance's hold on the run (<see cref="IRunCoordinator.Hold"/>); released when the run is disposed.</summary>
    public IDisposable? Ownership { get; set; }

    public ProgressModel? Model { get; set; }

    /// <summary>
    /// For an iteration, fork, revert or retry: the files it started from (the parent's, or the kept phases'), which
    /// each <c>phase_{n}_complete</c> counts its changes against; <see langword="null"/> for a new generation.
    /// </summary>
    public IReadOnlyList<Contracts.GenerationFile>? BaseFiles { get; set; }

    /// <summary>The seconds left, once the plan is known.</summary>
    public RunEstimate? Estimate { get; set; }

    /// <summary>Durations of phases that ran in an earlier attempt of this generation, by phase number (read from its log at resume).</summary>
    public IReadOnlyDictionary<int, TimeSpan>? EarlierPhases { get; init; }

    /// <summary>The run stopped without a terminal event, to be resumed (here at the next start, or on another instance).</summary>
    public bool Interrupted { get; set; }

    /// <summary>The sequence number of the last event of this generation's log that this run knows of (appended or read).</summary>
    public long LastSequence { get; set; }

    /// <summary>The phase being generated, as watchers and checkpoints see it; <see langword="null"/> between phases.</summary>
    public Live.LivePhase? Live { get; set; }

    /// <summary>Fires when the run's end could not be stored and was reported from memory (<see cref="UnstoredEndings"/>).</summary>
    public CancellationToken EndedUnstored => _endedUnstored.Token;

    /// <summary>What the generation has spent over all its attempts, checked against its budget at every report.</summary>
    public Budgets.RunSpend Spend { get; }

    /// <summary>Why the run was stopped by <see cref="CancelReason.Budget"/> or <see cref="CancelReason.InvalidUsage"/>, for the user.</summary>
    public string? StopError { get; private set; }

    /// <summary>Stops the run for a reason of its own spending (see <see cref="CancelReason.Budget"/>), unless it was stopped already.</summary>
    public void Stop(CancelReason reason, string error)
    {
        lock (_gate)
        {
            if (CancelReason != CancelReason.None)
            {
                return;
            }

            StopError = error;
        }

        TryCancel(reason);
    }

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

    /// <summary>Tells the run's watchers that its end is in <see cref="UnstoredEndings"/>; called once, by the pipeline's end.</summary>
    public void SignalEndedUnstored() => _ = _endedUnstored.CancelAsync();

    /// <summary>Builds an event of this run with the fields every event carries.</summary>
    public StreamingProgressEvent CreateEvent(string status, string stage, double progress, string message, DateTimeOffset timestamp, double? estimatedTimeRemaining = null) => new()
    {
        GenerationId = GenerationId,
        Status = status,
        Stage = stage,
        Progress = Advance(progress),
        Message = message,
        Timestamp = timestamp,
        AbGroup = Mode.Reported ? Mode.AbGroup : null,
        EnhancedFeatures = Mode.Reported ? Mode.EnhancedFeatures : null,
        GenerationMode = Mode.Reported ? Mode.GenerationMode : null,
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
