using System.Collections.Concurrent;
using Iteration.Streaming.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.Runs.Retries;

/// <summary>
/// The automatic retries this instance owes: one timer each (on the host's <see cref="TimeProvider"/>), which resumes the
/// generation when its backoff has passed. Only memory: the due time is on the record, so after a restart the run
/// resumes at start and waits out what is left of its backoff there.
/// </summary>
internal sealed class RetrySchedule(TimeProvider timeProvider, Func<string, Task<bool>> resume, ILogger logger) : IDisposable
{
    private readonly ConcurrentDictionary<string, ITimer> _timers = new(StringComparer.Ordinal);
    private volatile bool _disposed;

    /// <summary>How many retries wait.</summary>
    public int Count => _timers.Count;

    public void Add(string generationId, DateTimeOffset due)
    {
        if (_disposed)
        {
            return;
        }

        var wait = due - timeProvider.GetUtcNow();
        var timer = timeProvider.CreateTimer(static state => ((Action)state!)(), (Action)(() => Fire(generationId)), wait < TimeSpan.Zero ? TimeSpan.Zero : wait, Timeout.InfiniteTimeSpan);
        if (_timers.TryGetValue(generationId, out var previous))
        {
            previous.Dispose();
        }

        _timers[generationId] = timer;
        if (_disposed)
        {
            timer.Dispose();
        }
    }

    public void Dispose()
    {
        _disposed = true;
        foreach (var timer in _timers.Values)
        {
            timer.Dispose();
        }

        _timers.Clear();
    }

    private void Fire(string generationId)
    {
        if (_timers.TryRemove(generationId, out var timer))
        {
            timer.Dispose();
        }

        if (_disposed)
        {
            return;
        }

        _ = RunAsync(generationId);
    }

    private async Task RunAsync(string generationId)
    {
        try
        {
            await resume(generationId).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The record keeps the due retry: the run resumes at the next start, or on another instance by takeover.
            Log.RetryStartFailed(logger, generationId, ex);
        }
    }
}
