using System.Runtime.InteropServices;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Sqlite.Storage;
using Microsoft.Data.Sqlite;

namespace Iteration.Streaming.Sqlite.EventLog;

/// <summary>
/// Appends one event: takes the log's next sequence, frames the event's data (serialised by the appending thread, so the
/// one writer thread does not), writes the row and, past the retention limit, drops the oldest progress tick. Published
/// (made visible) only after its batch committed.
/// </summary>
internal sealed class AppendOperation : WriteOperation<EventLogEntry>
{
    private readonly SqliteGenerationEventLog _log;
    private readonly StreamingProgressEvent _progressEvent;
    private readonly byte[]? _data;
    private readonly Exception? _unserialisable;
    private GenerationFeed? _feed;
    private EventLogEntry? _entry;

    /// <summary>Serialises <paramref name="progressEvent"/>'s data on the calling thread.</summary>
    public AppendOperation(SqliteGenerationEventLog log, StreamingProgressEvent progressEvent)
    {
        _log = log;
        _progressEvent = progressEvent;
        try
        {
            _data = EventFrame.SerializeData(progressEvent);
        }
        catch (Exception ex)
        {
            // Refused in its turn, after the checks that come first (an unknown generation, an ended one).
            _unserialisable = ex;
        }
    }

    public override void Publish()
    {
        if (_entry is not null)
        {
            _feed!.Publish(_entry);
        }
    }

    public override string Describe() => $"an event of generation '{_progressEvent.GenerationId}'";

    protected override void Run(WriteBatch batch)
    {
        _entry = null;
        var generationId = _progressEvent.GenerationId;
        _feed = _log.FindForWriter(batch, generationId);
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

        if (_unserialisable is not null)
        {
            // An event that cannot be serialised (a NaN progress) is its caller's error, refused before any row is written.
            Refuse(_unserialisable);
            return;
        }

        var entry = EventLogEntry.Create(writer.Last + 1, _progressEvent, _data!);

        var essential = entry.IsTerminal
            || _progressEvent.WarningType is not null
            || _progressEvent.Error is not null
            || !string.Equals(writer.Stage, _progressEvent.Stage, StringComparison.Ordinal);

        batch.Enlist(_feed);
        batch.Command(EventLogSql.Insert)
            .With("$log", _feed.LogId)
            .With("$seq", entry.Sequence)
            .With("$essential", essential ? 1 : 0)
            .With("$frame", FrameBytes(entry))
            .ExecuteNonQuery();

        writer.Last = entry.Sequence;
        writer.Stage = _progressEvent.Stage;
        writer.StoredCount++;
        if (entry.IsTerminal)
        {
            writer.TerminalStatus = _progressEvent.Status;
        }

        if (writer.StoredCount > _log.MaxEventsPerGeneration)
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
