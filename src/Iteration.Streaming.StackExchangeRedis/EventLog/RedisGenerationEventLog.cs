using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.StackExchangeRedis.Connections;
using Iteration.Streaming.StackExchangeRedis.Diagnostics;
using Iteration.Streaming.StackExchangeRedis.Scripts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Iteration.Streaming.StackExchangeRedis.EventLog;

/// <summary>
/// The event log on Redis Streams, shared by every app instance: one stream per generation holding the ready SSE frames
/// under entry ids <c>{sequence}-0</c>, so a <c>Last-Event-ID</c> issued by any instance resumes on any other.
/// </summary>
/// <remarks>
/// Appends run one Lua script (one round trip) that checks the generation exists and has not ended and assigns the next
/// sequence. The writer builds the frame for the sequence it expects (it remembers its last append), which is right
/// whenever it is the only writer; otherwise the script renumbers the frame and the writer rebuilds its entry. Appends
/// go through the instance's <see cref="RedisAppender"/>, which keeps them in order through a Redis outage.
/// Replay reads with <c>XRANGE</c> from an exclusive start; the live tail is the instance's one <see cref="RedisStreamTail"/>.
/// </remarks>
internal sealed class RedisGenerationEventLog : IGenerationEventLog
{
    private static readonly RedisValue LastField = "last";
    private static readonly RedisValue TerminalField = "terminal";
    private static readonly RedisValue GapField = "gap";
    private static readonly RedisValue[] StateFields = [LastField, TerminalField];

    private readonly RedisConnection _connection;
    private readonly RedisStreamTail _tail;
    private readonly RedisKeys _keys;
    private readonly IOptionsMonitor<IterationStreamingOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly RedisAppender _appender;
    private readonly RedisScriptGateway _scripts;

    public RedisGenerationEventLog(
        RedisConnection connection,
        RedisScriptGateway scripts,
        RedisStreamTail tail,
        RedisAppender appender,
        IOptionsMonitor<IterationStreamingOptions> options,
        TimeProvider timeProvider,
        ILogger<RedisGenerationEventLog>? logger = null)
    {
        _connection = connection;
        _tail = tail;
        _appender = appender;
        _scripts = scripts;
        _keys = scripts.Keys;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    internal RedisKeys Keys => _keys;

    public async ValueTask CreateAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(generationId);
        if (!RedisKeys.IsValidGenerationId(generationId))
        {
            throw new ArgumentException(
                $"A generation id must be at most {RedisKeys.MaxGenerationIdLength} characters, without braces or control characters.",
                nameof(generationId));
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (!await _scripts.CreateLogAsync(generationId, _timeProvider.GetUtcNow(), cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"An event log for generation '{generationId}' exists already.");
        }

        _appender.Track(generationId);
    }

    public async ValueTask<bool> ExistsAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        cancellationToken.ThrowIfCancellationRequested();
        if (!RedisKeys.IsValidGenerationId(generationId))
        {
            return false;
        }

        var database = await _connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        return await database.KeyExistsAsync(_keys.Meta(generationId)).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<EventLogEntry> AppendAsync(StreamingProgressEvent progressEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(progressEvent);
        cancellationToken.ThrowIfCancellationRequested();
        if (progressEvent.Replay is not null)
        {
            throw new ArgumentException("The 'replay' field is set by the event log on synthesised snapshots; appended events must leave it null.", nameof(progressEvent));
        }

        var generationId = progressEvent.GenerationId;
        if (generationId is null || !RedisKeys.IsValidGenerationId(generationId))
        {
            throw new GenerationNotFoundException(generationId ?? string.Empty);
        }

        return _appender.AppendAsync(progressEvent, cancellationToken);
    }

    public async ValueTask<EventLogSubscription> SubscribeAsync(string generationId, long afterSequence = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        ArgumentOutOfRangeException.ThrowIfNegative(afterSequence);
        cancellationToken.ThrowIfCancellationRequested();
        if (!RedisKeys.IsValidGenerationId(generationId))
        {
            throw new GenerationNotFoundException(generationId);
        }

        var database = await _connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var state = await database.HashGetAsync(_keys.Meta(generationId), StateFields).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (state[0].IsNull)
        {
            throw new GenerationNotFoundException(generationId);
        }

        var last = (long)state[0];
        var terminal = state[1].IsNull ? 0 : (long)state[1];
        if (terminal > 0 && afterSequence >= terminal)
        {
            return RedisLogCursor.Completed(this, generationId, afterSequence);
        }

        if (afterSequence > last)
        {
            throw new ArgumentOutOfRangeException(
                nameof(afterSequence),
                afterSequence,
                $"The last event id {afterSequence} is ahead of generation '{generationId}', whose last event is {last}.");
        }

        return RedisLogCursor.Watching(this, _tail.Acquire(generationId, last, terminal), afterSequence);
    }

    public async ValueTask<bool> DeleteAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        cancellationToken.ThrowIfCancellationRequested();
        if (!RedisKeys.IsValidGenerationId(generationId))
        {
            return false;
        }

        // This instance's readers end at once; other instances' once their tail's sweep finds it gone, as for a log Redis lost.
        var deleted = await _scripts.DeleteLogAsync(generationId, cancellationToken).ConfigureAwait(false);
        if (deleted)
        {
            _tail.Find(generationId)?.MarkGone();
        }

        return deleted;
    }

    public async ValueTask<EventLogEntry?> GetLatestAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        cancellationToken.ThrowIfCancellationRequested();
        if (!RedisKeys.IsValidGenerationId(generationId))
        {
            throw new GenerationNotFoundException(generationId);
        }

        var database = await _connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);

        // Both commands go out together: one round trip.
        var exists = database.KeyExistsAsync(_keys.Meta(generationId));
        var newest = database.StreamRangeAsync(_keys.Events(generationId), "-", "+", count: 1, messageOrder: Order.Descending);
        await Task.WhenAll(exists, newest).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (!await exists.ConfigureAwait(false))
        {
            throw new GenerationNotFoundException(generationId);
        }

        var entries = await newest.ConfigureAwait(false);
        if (entries.Length == 0)
        {
            return null;
        }

        return RedisEntries.TryRead(entries[0].Id, RedisEntries.FrameOf(entries[0].Values), out var entry, out var error)
            ? entry
            : throw new InvalidDataException($"The newest entry of generation '{generationId}' in Redis is not an event log frame.", error);
    }

    /// <summary>
    /// Reads the next batch after <paramref name="after"/> from Redis. When entries right after it were trimmed, the batch
    /// starts with one <c>replay: snapshot</c> entry standing for the newest trimmed one. Empty when the log is gone.
    /// </summary>
    internal async Task<List<EventLogEntry>> ReadAfterAsync(WatchedGeneration watch, long after, CancellationToken cancellationToken)
    {
        var database = await _connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var items = await database.StreamRangeAsync(watch.EventsKey, RedisEntries.After(after), "+", count: _connection.Options.ReplayBatchSize)
            .WaitAsync(cancellationToken)
            .ConfigureAwait(false);

        var batch = new List<EventLogEntry>(items.Length + 1);
        foreach (var item in items)
        {
            if (RedisEntries.TryRead(item.Id, RedisEntries.FrameOf(item.Values), out var entry, out var error))
            {
                batch.Add(entry!);
            }
            else
            {
                Log.UnreadableEntry(_logger, watch.GenerationId, item.Id.ToString(), error);
            }
        }

        if (batch.Count > 0 && batch[0].Sequence > after + 1
            && await ReadGapSnapshotAsync(database, watch.GenerationId, after, cancellationToken).ConfigureAwait(false) is { } snapshot)
        {
            batch.RemoveAll(e => e.Sequence <= snapshot.Sequence);
            batch.Insert(0, snapshot);
        }

        return batch;
    }

    internal void Release(WatchedGeneration watch) => _tail.Release(watch);

    /// <summary>Waits before a reader reads Redis again after an outage-like failure.</summary>
    internal Task WaitBeforeRetryAsync(CancellationToken cancellationToken) =>
        Task.Delay(_connection.Options.ReconnectDelay, _timeProvider, cancellationToken);

    private async Task<EventLogEntry?> ReadGapSnapshotAsync(IDatabase database, string generationId, long after, CancellationToken cancellationToken)
    {
        // The trimming script stored the newest dropped frame; trimming again since only moves it later, never before 'after'.
        var frame = await database.HashGetAsync(_keys.Meta(generationId), GapField).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (frame.IsNull)
        {
            return null;
        }

        var dropped = EventLogEntry.FromFrame((byte[])frame!);
        return dropped.Sequence <= after
            ? null
            : EventLogEntry.Create(dropped.Sequence, dropped.Event with { Replay = StreamingProgressEvent.SnapshotReplay });
    }
}
