using System.Collections.Concurrent;
using Iteration.Streaming.Events;
using Iteration.Streaming.Hosting;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Engine;

/// <summary>
/// Records in a dictionary; an ended generation's record is dropped
/// <see cref="IterationStreamingOptions.RetainCompletedFor"/> after it ends, like its event log.
/// </summary>
internal sealed class InMemoryGenerationRecordStore(IOptionsMonitor<IterationStreamingOptions> options, TimeProvider timeProvider)
    : IGenerationRecordStore, IDisposable
{
    private readonly ConcurrentDictionary<string, Entry> _records = new(StringComparer.Ordinal);

    internal int Count => _records.Count;

    public ValueTask AddAsync(GenerationRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (!_records.TryAdd(record.GenerationId, new Entry(record)))
        {
            throw new InvalidOperationException($"A record of generation '{record.GenerationId}' exists already.");
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<GenerationRecord?> GetAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        return ValueTask.FromResult(_records.TryGetValue(generationId, out var entry) ? entry.Record : null);
    }

    public ValueTask SetStatusAsync(string generationId, string status, CancellationToken cancellationToken = default)
    {
        if (!_records.TryGetValue(generationId, out var entry))
        {
            return ValueTask.CompletedTask;
        }

        var terminal = GenerationStatus.IsTerminal(status);
        lock (entry)
        {
            if (GenerationStatus.IsTerminal(entry.Record.Status))
            {
                return ValueTask.CompletedTask;
            }

            entry.Record = entry.Record with { Status = status, EndedAt = terminal ? timeProvider.GetUtcNow() : null };
            if (terminal)
            {
                entry.RemovalTimer = timeProvider.CreateTimer(
                    static state =>
                    {
                        var (records, expired) = ((ConcurrentDictionary<string, Entry>, Entry))state!;
                        if (records.TryRemove(new KeyValuePair<string, Entry>(expired.Record.GenerationId, expired)))
                        {
                            expired.RemovalTimer?.Dispose();
                        }
                    },
                    (_records, entry),
                    options.CurrentValue.RetainCompletedFor,
                    Timeout.InfiniteTimeSpan);
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask SetFilesAsync(string generationId, int fileCount, long totalBytes, CancellationToken cancellationToken = default)
    {
        if (_records.TryGetValue(generationId, out var entry))
        {
            lock (entry)
            {
                entry.Record = entry.Record with { FileCount = fileCount, TotalBytes = totalBytes };
            }
        }

        return ValueTask.CompletedTask;
    }

    public void Dispose()
    {
        foreach (var entry in _records.Values)
        {
            entry.RemovalTimer?.Dispose();
        }
    }

    private sealed class Entry(GenerationRecord record)
    {
        public GenerationRecord Record { get; set; } = record;

        public ITimer? RemovalTimer { get; set; }
    }
}
