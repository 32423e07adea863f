using System.Collections.Concurrent;
using Iteration.Streaming.Events;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.EventLog;

/// <summary>
/// The embedded event log: one <see cref="GenerationLog"/> per generation, in memory until retention deletes it
/// (<see cref="IterationStreamingOptions.RetainCompletedFor"/>, <see cref="IterationStreamingOptions.MaxRetainedGenerations"/>).
/// </summary>
internal sealed class InMemoryGenerationEventLog : IGenerationEventLog, IDisposable
{
    private readonly ConcurrentDictionary<string, GenerationLog> _logs = new(StringComparer.Ordinal);
    private readonly IOptionsMonitor<IterationStreamingOptions> _options;
    private readonly ILogger _logger;
    private bool _disposed;

    public InMemoryGenerationEventLog(
        IOptionsMonitor<IterationStreamingOptions> options,
        TimeProvider timeProvider,
        ILogger<InMemoryGenerationEventLog>? logger = null)
    {
        _options = options;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    internal int Count => _logs.Count;

    internal int RetainedCount(string generationId) => Get(generationId).RetainedCount;

    public ValueTask CreateAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(generationId);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();

        var log = new GenerationLog(generationId, _options.CurrentValue.MaxEventsPerGeneration);
        if (!_logs.TryAdd(generationId, log))
        {
            throw new InvalidOperationException($"An event log for generation '{generationId}' exists already.");
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> ExistsAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(_logs.ContainsKey(generationId));
    }

    public ValueTask<EventLogEntry> AppendAsync(StreamingProgressEvent progressEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(progressEvent);
        cancellationToken.ThrowIfCancellationRequested();
        if (progressEvent.Replay is not null)
        {
            throw new ArgumentException("The 'replay' field is set by the event log on synthesised snapshots; appended events must leave it null.", nameof(progressEvent));
        }

        return ValueTask.FromResult(Get(progressEvent.GenerationId).Append(progressEvent));
    }

    public ValueTask<EventLogSubscription> SubscribeAsync(string generationId, long afterSequence = 0, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(afterSequence);
        cancellationToken.ThrowIfCancellationRequested();

        var log = Get(generationId);
        return ValueTask.FromResult<EventLogSubscription>(log.Subscribe(afterSequence));
    }

    public ValueTask<EventLogEntry?> GetLatestAsync(string generationId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Get(generationId).Latest);
    }

    public ValueTask<bool> DeleteAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_logs.TryRemove(generationId, out var log))
        {
            return ValueTask.FromResult(false);
        }

        // Its readers end (a stream of it closes, a multiplexed stream drops it) instead of waiting for events that never come.
        log.MarkDeleted();
        Log.EventLogRemoved(_logger, generationId);
        return ValueTask.FromResult(true);
    }

    public void Dispose() => _disposed = true;

    private GenerationLog Get(string generationId)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        return _logs.TryGetValue(generationId, out var log) ? log : throw new GenerationNotFoundException(generationId);
    }
}
