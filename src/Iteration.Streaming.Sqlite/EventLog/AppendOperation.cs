using System.Runtime.InteropServices;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Sqlite.Storage;
using Microsoft.Data.Sqlite;

namespace Iteration.Streaming.Sqlite.EventLog;

/// <summary>
/// Appends one event: takes the log's next sequence, builds the frame once, writes the row and, past the retention
/// limit, drops the oldest progress tick. Published (made visible) only after its batch committed.
/// </summary>
internal sealed class AppendOperation(SqliteGenerationEventLog log, StreamingProgressEvent progressEvent) : WriteOperation<EventLogEntry>
{
    private GenerationFeed? _feed;
    private EventLogEntry? _entry;

    public override void Publish()
    {
        if (_entry is not null)
        {
            _feed!.Publish(_entry);
        }
    }

    public override string Describe() => $"an event of generation '{progressEvent.GenerationId}'";

    protected override void Run(WriteBatch batch)
    {
        _entry = null;
        var generationId = progressEvent.GenerationId;
        _feed = log.FindForWriter(batch, generationId);
        if (_feed is null)
        {
            Refuse(new GenerationNotFoundException(generationId));
            return;
        }

        ref var writer = ref _feed.Writer;
        if (writer.TerminalStatus is { } status)
        {
            Refuse(new InvalidOperationException(
                $"Generation '{generationId}' already ended with status '{status}' at sequence {writer.Last}; nothing can be appended after the terminal event."));
            return;
        }

        EventLogEntry entry;
        try
        {
            entry = EventLogEntry.Create(writer.Last + 1, progressEvent);
        }
        catch (Exception ex) when (ex is not SqliteException)
        {
            // An event that cannot be serialised (a NaN progress) is its caller's error, refused before any row is written.
            Refuse(ex);
            return;
        }

        var essential = entry.IsTerminal
            || progressEvent.WarningType is not null
            || progressEvent.Error is not null
            || !string.Equals(writer.Stage, progressEvent.Stage, StringComparison.Ordinal);

        batch.Enlist(_feed);
        batch.Command(EventLogSql.Insert)
            .With("$log", _feed.LogId)
            .With("$seq", entry.Sequence)
            .With("$essential", essential ? 1 : 0)
            .With("$frame", FrameBytes(entry))
            .ExecuteNonQuery();

        writer.Last = entry.Sequence;
        writer.Stage = progressEvent.Stage;
        writer.StoredCount++;
        if (entry.IsTerminal)
        {
            writer.TerminalStatus = progressEvent.Status;
        }

        if (writer.StoredCount > log.MaxEventsPerGeneration)
        {
            EvictOne(batch, _feed.LogId, entry.Sequence);
            writer.StoredCount--;
        }

        _entry = entry;
        SetResult(entry);
    }

    private static byte[] FrameBytes(EventLogEntry entry) =>
        MemoryMarshal.TryGetArray(entry.Frame, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : entry.Frame.ToArray();

    private static void EvictOne(WriteBatch batch, long logId, long newest)
    {
        // The newest row is never dropped: it is the latest state and, at the end, the terminal event.
        var victim = batch.Command(EventLogSql.OldestTick).With("$log", logId).With("$newest", newest).ExecuteScalar()
            ?? batch.Command(EventLogSql.OldestEvent).With("$log", logId).With("$newest", newest).ExecuteScalar();
        if (victim is long sequence)
        {
            batch.Command(EventLogSql.Evict).With("$log", logId).With("$victim", sequence).ExecuteNonQuery();
        }
    }
}
