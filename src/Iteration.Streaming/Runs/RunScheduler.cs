using System.Globalization;
using Iteration.Streaming.Diagnostics;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Runs;

/// <summary>
/// Owns the run slots (<see cref="IterationStreamingOptions.MaxConcurrentGenerations"/>) and the ordered queue behind
/// them: starts a run when a slot is free, frees the slot when the run's task ends and starts the next one. It is the
/// only place a slot is taken or given back.
/// </summary>
internal sealed class RunScheduler(
    Func<GenerationRun, Task> execute,
    IOptionsMonitor<IterationStreamingOptions> options,
    EngineMetrics metrics,
    ILogger logger)
{
    private readonly Lock _gate = new();
    private readonly LinkedList<GenerationRun> _queue = new();
    private readonly HashSet<GenerationRun> _running = [];
    private bool _stopped;

    public int RunningCount
    {
        get
        {
            lock (_gate)
            {
                return _running.Count;
            }
        }
    }

    public int QueuedCount
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Refuses a new run when every slot is taken and the queue is full.</summary>
    /// <exception cref="GenerationCapacityException">No room.</exception>
    /// <exception cref="ObjectDisposedException">The scheduler was stopped.</exception>
    public void EnsureRoom()
    {
        var settings = options.CurrentValue;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopped, this);
            if (_running.Count >= settings.MaxConcurrentGenerations && _queue.Count >= settings.MaxQueuedGenerations)
            {
                Log.QueueFull(logger, _running.Count, _queue.Count);
                throw new GenerationCapacityException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{_running.Count} generations are running and {_queue.Count} are waiting, the limit (IterationStreaming:MaxQueuedGenerations); retry later."));
            }
        }
    }

    /// <summary>Starts <paramref name="run"/> now when a slot is free, or queues it.</summary>
    /// <returns>0 when it started; its 1-based queue position when it waits; -1 when the scheduler was stopped (it never runs here).</returns>
    public int Enqueue(GenerationRun run)
    {
        int position;
        lock (_gate)
        {
            if (_stopped)
            {
                return -1;
            }

            if (_running.Count < options.CurrentValue.MaxConcurrentGenerations)
            {
                _running.Add(run);
                position = 0;
            }
            else
            {
                _queue.AddLast(run);
                position = _queue.Count;
            }
        }

        if (position == 0)
        {
            Launch(run);
        }
        else
        {
            metrics.RunQueued();
        }

        return position;
    }

    /// <summary>Takes a waiting run out of the queue.</summary>
    /// <returns><see langword="true"/> when it was waiting (it will never start); <see langword="false"/> when it runs or ran.</returns>
    public bool TryRemoveQueued(GenerationRun run)
    {
        lock (_gate)
        {
            if (!_queue.Remove(run))
            {
                return false;
            }
        }

        metrics.RunDequeued();
        return true;
    }

    /// <summary>Starts nothing more; returns the runs that wait (taken out of the queue) and the runs that run.</summary>
    public (IReadOnlyList<GenerationRun> Queued, IReadOnlyList<GenerationRun> Running) Stop()
    {
        List<GenerationRun> queued;
        List<GenerationRun> running;
        lock (_gate)
        {
            _stopped = true;
            queued = [.. _queue];
            _queue.Clear();
            running = [.. _running];
        }

        foreach (var _ in queued)
        {
            metrics.RunDequeued();
        }

        return (queued, running);
    }

    private void Launch(GenerationRun run) => _ = Task.Run(() => RunAsync(run));

    private async Task RunAsync(GenerationRun run)
    {
        try
        {
            await execute(run).ConfigureAwait(false);
        }
        finally
        {
            var next = Release(run);
            if (next is not null)
            {
                metrics.RunDequeued();
                Launch(next);
            }
        }
    }

    private GenerationRun? Release(GenerationRun finished)
    {
        lock (_gate)
        {
            _running.Remove(finished);
            if (_stopped || _running.Count >= options.CurrentValue.MaxConcurrentGenerations || _queue.First is not { } first)
            {
                return null;
            }

            _queue.RemoveFirst();
            _running.Add(first.Value);
            return first.Value;
        }
    }
}
