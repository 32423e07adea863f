using System.Collections.Concurrent;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Sqlite.Diagnostics;
using Iteration.Streaming.Sqlite.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Sqlite.EventLog;

/// <summary>
/// The event log in the store file: each entry's sequence and ready SSE frame in a row, so a replay after a restart serves
/// the same ids and bytes. Appends go through the store's <see cref="GroupCommitWriter"/>: an entry is published to
/// readers (and to <see cref="GetLatestAsync"/>) only after the transaction holding it committed.
/// </summary>
/// <remarks>
/// Retention matches the in-memory log: past <see cref="IterationStreamingOptions.MaxEventsPerGeneration"/> rows, the
/// oldest progress tick is dropped (stage changes, warnings, errors and the terminal event stay), and the next kept row
/// remembers it, so a reader that fell into the gap first gets it as a <c>replay: snapshot</c> event. A log is removed by
/// <see cref="DeleteAsync"/> only (the engine's retention): the store never drops one on its own.
/// </remarks>
internal sealed class SqliteGenerationEventLog : IGenerationEventLog
{
    private const int ReplayBatchSize = 256;

    private readonly ConcurrentDictionary<string, GenerationFeed> _feeds = new(StringComparer.Ordinal);
    private readonly SqliteStore _store;
    private readonly IOptionsMonitor<IterationStreamingOptions> _options;
    private readonly ILogger _logger;

    public SqliteGenerationEventLog(SqliteStore store, IOptionsMonitor<IterationStreamingOptions> options, ILogger<SqliteGenerationEventLog>? logger = null)
    {
        _store = store;
        _options = options;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        Pending = new PendingLogs();
    }

    /// <summary>Logs created or deleted by the batch being written, before they are published.</summary>
    internal PendingLogs Pending { get; }

    internal int MaxEventsPerGeneration => _options.CurrentValue.MaxEventsPerGeneration;

    public ValueTask CreateAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(generationId);
        cancellationToken.ThrowIfCancellationRequested();
        var operation = new CreateLogOperation(this, generationId);
        _store.Writer.Enqueue(operation);
        return new ValueTask(operation.Task);
    }

    public async ValueTask<bool> ExistsAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        cancellationToken.ThrowIfCancellationRequested();
        if (_feeds.ContainsKey(generationId))
        {
            return true;
        }

        using var reader = await _store.Readers.RentAsync(cancellationToken).ConfigureAwait(false);
        return reader.Command(EventLogSql.FindLog).With("$id", generationId).ExecuteScalar() is not null;
    }

    public ValueTask<EventLogEntry> AppendAsync(StreamingProgressEvent progressEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(progressEvent);
        cancellationToken.ThrowIfCancellationRequested();
        if (progressEvent.Replay is not null)
        {
            throw new ArgumentException("The 'replay' field is set by the event log on synthesised snapshots; appended events must leave it null.", nameof(progressEvent));
        }

        if (progressEvent.GenerationId is null)
        {
            throw new GenerationNotFoundException(string.Empty);
        }

        // Once queued, an append is committed or failed by the writer: cancelling then would leave the caller unsure.
        var operation = new AppendOperation(this, progressEvent);
        _store.Writer.Enqueue(operation);
        return new ValueTask<EventLogEntry>(operation.Task);
    }

    public async ValueTask<EventLogSubscription> SubscribeAsync(string generationId, long afterSequence = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        ArgumentOutOfRangeException.ThrowIfNegative(afterSequence);
        cancellationToken.ThrowIfCancellationRequested();

        var feed = await FindAsync(generationId, cancellationToken).ConfigureAwait(false) ?? throw new GenerationNotFoundException(generationId);
        var (last, terminal) = feed.Position;
        if (terminal > 0 && afterSequence >= terminal)
        {
            return SqliteLogCursor.Completed(this, feed, afterSequence);
        }

        if (afterSequence > last)
        {
            throw new ArgumentOutOfRangeException(
                nameof(afterSequence),
                afterSequence,
                $"The last event id {afterSequence} is ahead of generation '{generationId}', whose last event is {last}.");
        }

        return SqliteLogCursor.Reading(this, feed, afterSequence);
    }

    public async ValueTask<EventLogEntry?> GetLatestAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        cancellationToken.ThrowIfCancellationRequested();
        var feed = await FindAsync(generationId, cancellationToken).ConfigureAwait(false) ?? throw new GenerationNotFoundException(generationId);
        return feed.Latest;
    }

    public ValueTask<bool> DeleteAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        cancellationToken.ThrowIfCancellationRequested();
        var operation = new DeleteLogOperation(this, generationId);
        _store.Writer.Enqueue(operation);
        return new ValueTask<bool>(operation.Task);
    }

    /// <summary>
    /// Reads the next published entries after <paramref name="after"/> from the file into <paramref name="into"/>. Where
    /// retention dropped entries right after <paramref name="after"/>, the newest dropped one comes first, as a snapshot.
    /// </summary>
    internal async ValueTask ReadStoredAsync(GenerationFeed feed, long after, Queue<EventLogEntry> into, CancellationToken cancellationToken)
    {
        using var reader = await _store.Readers.RentAsync(cancellationToken).ConfigureAwait(false);
        using var rows = reader.Command(EventLogSql.ReadAfter)
            .With("$log", feed.LogId)
            .With("$after", after)
            .With("$limit", ReplayBatchSize)
            .ExecuteReader();
        while (rows.Read())
        {
            var sequence = rows.GetInt64(0);
            if (!rows.IsDBNull(2) && rows.GetInt64(2) is var gap && gap > after)
            {
                var dropped = Parse(feed.GenerationId, gap, rows.GetFieldValue<byte[]>(3));
                into.Enqueue(EventLogEntry.Create(gap, dropped.Event with { Replay = StreamingProgressEvent.SnapshotReplay }));
            }

            into.Enqueue(Parse(feed.GenerationId, sequence, rows.GetFieldValue<byte[]>(1)));
            after = sequence;
        }
    }

    /// <summary>The feed of a generation, loaded from the file on first use; null when it has no log.</summary>
    internal ValueTask<GenerationFeed?> FindAsync(string generationId, CancellationToken cancellationToken) =>
        _feeds.TryGetValue(generationId, out var feed) ? ValueTask.FromResult<GenerationFeed?>(feed) : LoadAsync(generationId, cancellationToken);

    /// <summary>The writer's lookup: sees what earlier writes of the batch created or deleted.</summary>
    internal GenerationFeed? FindForWriter(WriteBatch batch, string generationId)
    {
        if (Pending.TryGet(generationId, out var pending))
        {
            return pending;
        }

        return _feeds.TryGetValue(generationId, out var feed) ? feed : LoadAndCache(generationId, batch.Command);
    }

    internal GenerationFeed NewFeed(string generationId, long logId) => new(generationId, logId, latest: null, storedCount: 0, _store.Options.LiveWindowSize);

    internal void PublishCreated(GenerationFeed feed) => _feeds[feed.GenerationId] = feed;

    internal void PublishDeleted(string generationId)
    {
        if (_feeds.TryRemove(generationId, out var feed))
        {
            feed.MarkDeleted();
        }

        Log.EventLogDeleted(_logger, generationId);
    }

    internal string StorePath => _store.Path;

    private async ValueTask<GenerationFeed?> LoadAsync(string generationId, CancellationToken cancellationToken)
    {
        using var reader = await _store.Readers.RentAsync(cancellationToken).ConfigureAwait(false);
        return LoadAndCache(generationId, sql => reader.Command(sql));
    }

    private GenerationFeed? LoadAndCache(string generationId, Func<string, SqliteCommand> command)
    {
        // Under the commit gate, nothing is committed but unpublished: what the file says is what is published.
        using (_store.Writer.CommitGate.EnterScope())
        {
            if (_feeds.TryGetValue(generationId, out var cached))
            {
                return cached;
            }

            if (command(EventLogSql.FindLog).With("$id", generationId).ExecuteScalar() is not long logId)
            {
                return null;
            }

            EventLogEntry? latest = null;
            using (var newest = command(EventLogSql.Newest).With("$log", logId).ExecuteReader())
            {
                if (newest.Read())
                {
                    latest = Parse(generationId, newest.GetInt64(0), newest.GetFieldValue<byte[]>(1));
                }
            }

            var count = (long)command(EventLogSql.Count).With("$log", logId).ExecuteScalar()!;
            var feed = new GenerationFeed(generationId, logId, latest, count, _store.Options.LiveWindowSize);
            _feeds[generationId] = feed;
            return feed;
        }
    }

    private EventLogEntry Parse(string generationId, long sequence, byte[] frame)
    {
        try
        {
            return EventLogEntry.FromFrame(frame);
        }
        catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException)
        {
            throw new InvalidDataException(
                $"Event {sequence} of generation '{generationId}' in the SQLite store '{_store.Path}' is not a readable event log frame: the file is damaged.",
                ex);
        }
    }
}
