using Iteration.Streaming.Engine;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.StackExchangeRedis.Connections;
using Iteration.Streaming.StackExchangeRedis.Hosting;
using Iteration.Streaming.StackExchangeRedis.Records;
using StackExchange.Redis;

namespace Iteration.Streaming.StackExchangeRedis.Scripts;

/// <summary>
/// Every Lua call of the package, typed: the keys and arguments of each script are laid out here and nowhere else, and
/// the answers come back as small result types. Each call is one round trip on the shared connection; calls made
/// without awaiting in between are pipelined.
/// </summary>
internal sealed class RedisScriptGateway(RedisConnection connection)
{
    private readonly RedisKeys _keys = new(connection.Options.KeyPrefix);

    public RedisKeys Keys => _keys;

    public IterationStreamingRedisOptions Options => connection.Options;

    private long LeaseMilliseconds => Math.Max(1, (long)connection.Options.LeaseDuration.TotalMilliseconds);

    private string InstanceName => connection.Options.InstanceName;

    /// <summary>Creates an empty log; false when it exists.</summary>
    public async Task<bool> CreateLogAsync(string generationId, DateTimeOffset now, CancellationToken cancellationToken) =>
        (long)await EvaluateAsync(RedisScripts.CreateLog, [_keys.Meta(generationId), _keys.Events(generationId)], [now.ToUnixTimeMilliseconds()], cancellationToken)
            .ConfigureAwait(false) == 1;

    /// <summary>Appends <paramref name="entry"/> as this instance.</summary>
    public async Task<AppendResult> AppendAsync(EventLogEntry entry, int maxEvents, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var id = entry.Event.GenerationId;
        var trimBatch = Math.Clamp(maxEvents / 16, 1, 100);
        var result = (RedisResult[])(await EvaluateAsync(
                RedisScripts.Append,
                [_keys.Meta(id), _keys.Events(id), _keys.Lease(id), _keys.Record(id), _keys.LiveRecords, _keys.EndedRecords],
                [
                    entry.Sequence,
                    entry.Frame,
                    maxEvents,
                    trimBatch,
                    entry.IsTerminal ? 1 : 0,
                    entry.Event.Status,
                    now.ToUnixTimeMilliseconds(),
                    InstanceName,
                    id,
                ],
                cancellationToken).ConfigureAwait(false))!;
        return new AppendResult((long)result[0], (long)result[1]);
    }

    /// <summary>Deletes a log and its lease; false when there was none.</summary>
    public async Task<bool> DeleteLogAsync(string generationId, CancellationToken cancellationToken) =>
        (long)await EvaluateAsync(RedisScripts.DeleteLog, [_keys.Meta(generationId), _keys.Events(generationId), _keys.Lease(generationId)], [], cancellationToken)
            .ConfigureAwait(false) == 1;

    /// <summary>Adds a new record (with an owner, claiming its lease); false when one exists.</summary>
    public async Task<bool> AddRecordAsync(GenerationRecord record, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var id = record.GenerationId;
        DateTimeOffset? ended = GenerationStatus.IsTerminal(record.Status) ? record.EndedAt ?? now : null;
        List<RedisValue> arguments =
        [
            record.Owner ?? string.Empty,
            LeaseMilliseconds,
            id,
            record.CreatedAt.ToUnixTimeMilliseconds(),
            ended is { } end ? end.ToUnixTimeMilliseconds() : RedisValue.EmptyString,
            .. RedisRecordFields.Of(record with { EndedAt = ended }),
        ];
        return (long)await EvaluateAsync(
                RedisScripts.AddRecord,
                [_keys.Record(id), _keys.Lease(id), _keys.LiveRecords, _keys.EndedRecords],
                [.. arguments],
                cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>Applies an update to a record in one step; returns the record after it, or null when there is none.</summary>
    public async Task<GenerationRecord?> UpdateRecordAsync(string generationId, GenerationRecordUpdate update, DateTimeOffset now, CancellationToken cancellationToken)
    {
        List<RedisValue> arguments =
        [
            generationId,
            now.ToUnixTimeMilliseconds(),
            update.Status ?? string.Empty,
            update.Status is { } status && GenerationStatus.IsTerminal(status) ? 1 : 0,
            update.ClearInterrupted ? 1 : 0,
            .. RedisRecordFields.Of(update),
        ];
        var result = await EvaluateAsync(
                RedisScripts.UpdateRecord,
                [_keys.Record(generationId), _keys.LiveRecords, _keys.EndedRecords],
                [.. arguments],
                cancellationToken).ConfigureAwait(false);
        return RedisRecordFields.Read(generationId, result);
    }

    /// <summary>Deletes a record and its index entries; false when there was none.</summary>
    public async Task<bool> DeleteRecordAsync(string generationId, CancellationToken cancellationToken) =>
        (long)await EvaluateAsync(
                RedisScripts.DeleteRecord,
                [_keys.Record(generationId), _keys.LiveRecords, _keys.EndedRecords],
                [generationId],
                cancellationToken).ConfigureAwait(false) == 1;

    /// <summary>Renews this instance's lease of a run (sent at once, so many renewals share a round trip).</summary>
    public async Task<RenewResult> RenewAsync(IDatabase database, string generationId) =>
        (RenewResult)(long)await database.ScriptEvaluateAsync(
                RedisScripts.Renew,
                [_keys.Meta(generationId), _keys.Record(generationId), _keys.Lease(generationId)],
                [InstanceName, LeaseMilliseconds])
            .ConfigureAwait(false);

    /// <summary>Marks a run cancel-requested and tells its owner; false when it ended or has no owner.</summary>
    public async Task<bool> CancelAsync(string generationId, CancellationToken cancellationToken) =>
        (long)await EvaluateAsync(
                RedisScripts.Cancel,
                [_keys.Meta(generationId), _keys.Record(generationId), _keys.Lease(generationId)],
                [_keys.CancelChannelStart, RedisKeys.CancelChannelEnd, generationId],
                cancellationToken).ConfigureAwait(false) == 1;

    /// <summary>Claims a run nobody holds for this instance (with <paramref name="handedOverOnly"/>, only one handed over).</summary>
    public async Task<ClaimResult> ClaimAsync(string generationId, bool handedOverOnly, CancellationToken cancellationToken)
    {
        var result = (RedisResult[])(await EvaluateAsync(
                RedisScripts.Claim,
                [_keys.Meta(generationId), _keys.Record(generationId), _keys.Lease(generationId)],
                [InstanceName, LeaseMilliseconds, handedOverOnly ? 1 : 0],
                cancellationToken).ConfigureAwait(false))!;
        return new ClaimResult((long)result[0], (long)result[1]);
    }

    /// <summary>Lets go of a run this instance holds, marking it handed over; false when it does not hold it.</summary>
    public async Task<bool> HandOverAsync(string generationId, CancellationToken cancellationToken) =>
        (long)await EvaluateAsync(RedisScripts.HandOver, [_keys.Meta(generationId), _keys.Lease(generationId)], [InstanceName], cancellationToken)
            .ConfigureAwait(false) == 1;

    /// <summary>
    /// Recreates a generation Redis lost, from the newest entry this instance wrote and its copy of the record (when it
    /// owns the run); false when the generation exists.
    /// </summary>
    public async Task<bool> RestoreAsync(string generationId, EventLogEntry? newest, GenerationRecord? record, DateTimeOffset now, CancellationToken cancellationToken)
    {
        List<RedisValue> arguments =
        [
            record?.Owner ?? string.Empty,
            LeaseMilliseconds,
            newest?.Sequence ?? 0,
            newest is null ? RedisValue.EmptyString : (RedisValue)newest.Frame,
            (record?.CreatedAt ?? now).ToUnixTimeMilliseconds(),
            generationId,
        ];
        if (record is not null)
        {
            arguments.AddRange(RedisRecordFields.Of(record with { Status = newest?.Event.Status ?? record.Status }));
        }

        return (long)await EvaluateAsync(
                RedisScripts.Restore,
                [_keys.Meta(generationId), _keys.Events(generationId), _keys.Lease(generationId), _keys.Record(generationId), _keys.LiveRecords],
                [.. arguments],
                cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>Wakes an instance's blocked tail read.</summary>
    public async Task WakeAsync(RedisKey wakeKey, long timeToLiveMilliseconds, CancellationToken cancellationToken) =>
        await EvaluateAsync(RedisScripts.Wake, [wakeKey], [timeToLiveMilliseconds], cancellationToken).ConfigureAwait(false);

    private async Task<RedisResult> EvaluateAsync(string script, RedisKey[] keys, RedisValue[] arguments, CancellationToken cancellationToken)
    {
        var database = await connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        return await database.ScriptEvaluateAsync(script, keys, arguments).WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
