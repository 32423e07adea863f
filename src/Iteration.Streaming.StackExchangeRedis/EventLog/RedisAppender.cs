using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.StackExchangeRedis.Connections;
using Iteration.Streaming.StackExchangeRedis.Diagnostics;
using Iteration.Streaming.StackExchangeRedis.Scripts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.StackExchangeRedis.EventLog;

/// <summary>
/// Writes this instance's events to Redis in order per generation: each append is one script call that assigns the
/// next sequence. While events of a generation wait in the <see cref="OutageBuffer"/> (or Redis is known to be down),
/// later ones queue behind them instead of overtaking; an append that fails with an outage joins that queue.
/// </summary>
/// <remarks>
/// The writer builds the frame for the sequence it expects (its last append + 1), which is right whenever it is the only
/// writer; otherwise the script renumbers it and the entry is rebuilt. A retried append that did reach Redis before its
/// connection broke is recognised by the script and not written twice.
/// </remarks>
internal sealed class RedisAppender(
    RedisConnection connection,
    RedisScriptGateway scripts,
    GenerationJournals journals,
    OutageBuffer buffer,
    IOptionsMonitor<IterationStreamingOptions> coreOptions,
    TimeProvider timeProvider,
    ILogger<RedisAppender>? logger = null)
{
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;

    /// <summary>Starts the journal of a generation written here from now on: its events may wait out an outage, and Redis losing it restores it.</summary>
    public void Track(string generationId, long last = 0) => journals.Start(generationId, last);

    public async ValueTask<EventLogEntry> AppendAsync(StreamingProgressEvent progressEvent, CancellationToken cancellationToken)
    {
        var id = progressEvent.GenerationId;
        var journal = journals.Find(id);
        long expected = 1;
        if (journal is not null)
        {
            lock (journal.Gate)
            {
                // Behind waiting events, or Redis known to be down: wait in line rather than overtake or block.
                if (journal.Pending.Count > 0 || connection.IsDown)
                {
                    return buffer.Buffer(journal, progressEvent);
                }

                OutageBuffer.ThrowIfRefused(journal, progressEvent);
                expected = journal.Last + 1;
            }
        }

        var entry = EventLogEntry.Create(expected, progressEvent);
        AppendResult result;
        try
        {
            result = await scripts.AppendAsync(entry, coreOptions.CurrentValue.MaxEventsPerGeneration, timeProvider.GetUtcNow(), cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (journal is not null && RedisFailures.IsTransient(ex))
        {
            Log.AppendFailed(_logger, id, ex);
            lock (journal.Gate)
            {
                return buffer.Buffer(journal, progressEvent);
            }
        }

        switch (result.Code)
        {
            case AppendResult.Appended:
                if (result.Sequence != expected)
                {
                    // Another writer appended meanwhile; the script stored the frame under the assigned id, and
                    // serialising the same event again yields those very bytes.
                    Log.AppendSequenceConflict(_logger, id, expected, result.Sequence);
                    entry = EventLogEntry.Create(result.Sequence, progressEvent);
                }

                OnWritten(journal ?? (entry.IsTerminal ? null : journals.GetOrStart(id)), entry);
                return entry;
            case AppendResult.Unknown when journal is not null:
                // Redis lost a generation this instance writes: it is restored before this event is written.
                lock (journal.Gate)
                {
                    journal.NeedsRestore = true;
                    return buffer.Buffer(journal, progressEvent);
                }

            case AppendResult.Unknown:
                throw new GenerationNotFoundException(id);
            case AppendResult.NotOwner:
                journals.Forget(journal);
                throw new InvalidOperationException(
                    $"Generation '{id}' is run by another instance now (this instance's ownership lapsed and the run was taken over); this instance appends nothing more to it.");
            default:
                journals.Forget(journal);
                throw new InvalidOperationException(
                    $"Generation '{id}' already ended at sequence {result.Sequence}; nothing can be appended after the terminal event.");
        }
    }

    private void OnWritten(GenerationJournal? journal, EventLogEntry entry)
    {
        if (journal is null)
        {
            return;
        }

        lock (journal.Gate)
        {
            journal.Last = Math.Max(journal.Last, entry.Sequence);
            if (journal.Flushed is null || journal.Flushed.Sequence < entry.Sequence)
            {
                journal.Flushed = entry;
            }
        }

        if (entry.IsTerminal)
        {
            journals.Forget(journal);
        }
    }
}
