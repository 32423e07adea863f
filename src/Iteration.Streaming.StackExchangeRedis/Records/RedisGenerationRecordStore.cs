using Iteration.Streaming.Records;
using Iteration.Streaming.StackExchangeRedis.Connections;
using Iteration.Streaming.StackExchangeRedis.Diagnostics;
using Iteration.Streaming.StackExchangeRedis.Scripts;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Iteration.Streaming.StackExchangeRedis.Records;

/// <summary>
/// Generation records in Redis, one hash per generation (<c>{prefix}:{id}:record</c>) beside its log, so any instance
/// answers snapshot, files, iterate and retry requests and any instance can resume a run. Two sorted sets index the
/// unfinished and the ended records for listing, and a sorted set per user lists that user's records newest first. Adding a record with an owner claims the run's lease in the same step;
/// every change is one script, so concurrent changes never lose each other. The status follows the log: every append
/// writes the event's status into a live record, and the terminal event ends it atomically.
/// </summary>
/// <remarks>
/// Durable as far as Redis is: with append-only persistence (AOF, what a production Redis runs) records survive a
/// restart of the app and of Redis, so interrupted runs are resumed. Records are deleted by the engine's retention only.
/// </remarks>
internal sealed class RedisGenerationRecordStore(
    RedisConnection connection,
    RedisScriptGateway scripts,
    OwnedRecordCopies copies,
    TimeProvider timeProvider,
    ILogger<RedisGenerationRecordStore>? logger = null)
    : IGenerationRecordStore
{
    /// <summary>How many records one list read fetches per round trip.</summary>
    private const int ListBatchSize = 100;

    /// <summary>The first and the largest chunk of a user's index read per round trip when a status filters it.</summary>
    private const int MinStatusChunk = 64;
    private const int MaxStatusChunk = 1_024;

    private readonly RedisKeys _keys = scripts.Keys;
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;

    public bool IsDurable => true;

    public async ValueTask AddAsync(GenerationRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        cancellationToken.ThrowIfCancellationRequested();
        var id = record.GenerationId;
        if (!RedisKeys.IsValidGenerationId(id))
        {
            throw new ArgumentException($"A generation id must be at most {RedisKeys.MaxGenerationIdLength} characters, without braces or control characters.", nameof(record));
        }

        if (!await scripts.AddRecordAsync(record, timeProvider.GetUtcNow(), cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"A record of generation '{id}' exists already.");
        }

        if (record.Owner is not null)
        {
            copies.Set(record);
            var expires = timeProvider.GetUtcNow() + connection.Options.LeaseDuration;
            var database = await connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
            await database.SortedSetAddAsync(_keys.Leases, id, expires.ToUnixTimeMilliseconds()).ConfigureAwait(false);
        }
    }

    public async ValueTask<GenerationRecord?> GetAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        cancellationToken.ThrowIfCancellationRequested();
        if (!RedisKeys.IsValidGenerationId(generationId))
        {
            return null;
        }

        var database = await connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var entries = await database.HashGetAllAsync(_keys.Record(generationId)).WaitAsync(cancellationToken).ConfigureAwait(false);
        return RedisRecordFields.Read(generationId, entries);
    }

    public async ValueTask<GenerationRecord?> UpdateAsync(string generationId, GenerationRecordUpdate update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        ArgumentNullException.ThrowIfNull(update);
        cancellationToken.ThrowIfCancellationRequested();
        if (!RedisKeys.IsValidGenerationId(generationId))
        {
            return null;
        }

        GenerationRecord? updated;
        try
        {
            updated = await scripts.UpdateRecordAsync(generationId, update, timeProvider.GetUtcNow(), expectedRevision: null, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisFailures.IsTransient(ex) && copies.Get(generationId) is { } copy)
        {
            // A run of this instance must not fail over its record during an outage: its events wait for Redis in order
            // (they say which phases are saved), and the copy restores the record if Redis lost it.
            Log.RecordUpdateSkipped(_logger, generationId, ex);
            updated = GenerationRecords.Apply(copy, update, timeProvider.GetUtcNow());
            copies.Refresh(updated);
            return updated;
        }

        if (updated is not null)
        {
            copies.Refresh(updated);
        }

        return updated;
    }

    /// <summary>
    /// One script that compares the stored revision and changes the record in the same step. Unlike
    /// <see cref="UpdateAsync"/>, a Redis outage is not answered from this instance's copy: a compare needs the shared
    /// record, so the failure reaches the caller (the input it carries was not accepted).
    /// </summary>
    public async ValueTask<GenerationRecord?> TryUpdateSteeringAsync(string generationId, long expectedRevision, GenerationRecordUpdate update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        ArgumentNullException.ThrowIfNull(update);
        cancellationToken.ThrowIfCancellationRequested();
        if (!RedisKeys.IsValidGenerationId(generationId))
        {
            return null;
        }

        var updated = await scripts.UpdateRecordAsync(generationId, update, timeProvider.GetUtcNow(), expectedRevision, cancellationToken).ConfigureAwait(false);
        if (updated is not null)
        {
            copies.Refresh(updated);
        }

        return updated;
    }

    public ValueTask<IReadOnlyList<GenerationRecord>> ListUnfinishedAsync(CancellationToken cancellationToken = default) =>
        ListAsync(_keys.LiveRecords, ended: false, cancellationToken);

    public ValueTask<IReadOnlyList<GenerationRecord>> ListEndedAsync(CancellationToken cancellationToken = default) =>
        ListAsync(_keys.EndedRecords, ended: true, cancellationToken);

    public async ValueTask<bool> DeleteAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        cancellationToken.ThrowIfCancellationRequested();
        if (!RedisKeys.IsValidGenerationId(generationId))
        {
            return false;
        }

        copies.Forget(generationId);
        return await scripts.DeleteRecordAsync(generationId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Walks the user's index (<see cref="RedisKeys.UserRecords"/>) backwards from the position (<c>ZREVRANGEBYLEX</c>
    /// with an exclusive bound, so a page costs the same at any depth) a chunk at a time, reads the records it names and
    /// keeps those of the user (and status) asked, until one more than the page is found or the index ends. Without a
    /// status the first chunk is the page; with one, each chunk's statuses are read first and only matching records are
    /// read whole, so a rare status costs round trips, never memory.
    /// </summary>
    /// <remarks>
    /// Ids compare as UTF-8 bytes (Redis's lexical order), which is the ordinal (UTF-16) order for every id but those
    /// mixing characters above U+FFFF with ones from U+E000 to U+FFFF: engine ids are ASCII.
    /// </remarks>
    public async ValueTask<GenerationRecordPage> ListByUserAsync(GenerationRecordQuery query, CancellationToken cancellationToken = default)
    {
        GenerationRecords.ValidateQuery(query);
        cancellationToken.ThrowIfCancellationRequested();
        var database = await connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var index = _keys.UserRecords(query.UserId);
        var wanted = query.Limit + 1;
        var chunk = query.Status is null ? wanted : Math.Max(wanted, MinStatusChunk);
        var from = query.After is { } after ? "(" + RedisKeys.UserRecordMember(after.CreatedAt, after.GenerationId) : "+";
        var page = new List<GenerationRecord>(wanted);
        while (page.Count < wanted)
        {
            var members = (RedisValue[])(await database.ExecuteAsync("ZREVRANGEBYLEX", index, from, "-", "LIMIT", 0, chunk)
                .WaitAsync(cancellationToken).ConfigureAwait(false))!;
            var ids = members.Select(static m => RedisKeys.GenerationIdOf((string)m!)).ToList();
            if (query.Status is { } status)
            {
                var statuses = await Task.WhenAll(ids.Select(id => database.HashGetAsync(_keys.Record(id), "status")))
                    .WaitAsync(cancellationToken).ConfigureAwait(false);
                ids = [.. ids.Where((_, i) => statuses[i] == status)];
            }

            // Read in order only as many as the page still needs; a record gone meanwhile makes room for the next one.
            for (var next = 0; next < ids.Count && page.Count < wanted;)
            {
                var reads = ids.Skip(next).Take(wanted - page.Count).Select(id => (Id: id, Entries: database.HashGetAllAsync(_keys.Record(id)))).ToList();
                next += reads.Count;
                await Task.WhenAll(reads.Select(static r => r.Entries)).WaitAsync(cancellationToken).ConfigureAwait(false);
                foreach (var (id, entries) in reads)
                {
                    if (RedisRecordFields.Read(id, await entries.ConfigureAwait(false)) is { } record
                        && string.Equals(record.UserId, query.UserId, StringComparison.Ordinal)
                        && (query.Status is null || record.Status == query.Status))
                    {
                        page.Add(record);
                    }
                }
            }

            if (members.Length < chunk)
            {
                break;
            }

            from = "(" + (string)members[^1]!;
            chunk = query.Status is null ? wanted - page.Count : Math.Min(chunk * 2, MaxStatusChunk);
        }

        if (page.Count <= query.Limit)
        {
            return new GenerationRecordPage(page, null);
        }

        page.RemoveAt(page.Count - 1);
        return new GenerationRecordPage(page, GenerationRecordPosition.Of(page[^1]));
    }

    /// <summary>Reads the records an index lists, in its order; entries whose record is gone or moved on are dropped.</summary>
    private async ValueTask<IReadOnlyList<GenerationRecord>> ListAsync(RedisKey index, bool ended, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var database = await connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var ids = await database.SortedSetRangeByRankAsync(index).WaitAsync(cancellationToken).ConfigureAwait(false);
        var records = new List<GenerationRecord>(ids.Length);
        foreach (var batch in ids.Chunk(ListBatchSize))
        {
            var reads = batch.Select(id => (Id: (string)id!, Entries: database.HashGetAllAsync(_keys.Record((string)id!)))).ToList();
            await Task.WhenAll(reads.Select(static r => r.Entries)).WaitAsync(cancellationToken).ConfigureAwait(false);
            foreach (var (id, entries) in reads)
            {
                if (RedisRecordFields.Read(id, await entries.ConfigureAwait(false)) is { } record
                    && (record.EndedAt is not null) == ended)
                {
                    records.Add(record);
                }
            }
        }

        return records;
    }
}
