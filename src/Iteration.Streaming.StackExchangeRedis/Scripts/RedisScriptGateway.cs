using System.Globalization;
using Iteration.Streaming.Budgets;
using Iteration.Streaming.Checkpoints;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Records;
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
internal sealed class RedisScriptGateway
{
    private readonly RedisConnection _connection;
    private readonly RedisKeys _keys;
    private readonly AppendBatcher _appends;

    public RedisScriptGateway(RedisConnection connection)
    {
        _connection = connection;
        _keys = new RedisKeys(connection.Options.KeyPrefix);
        _appends = new AppendBatcher(AppendBatchAsync);
    }

    public RedisKeys Keys => _keys;

    public IterationStreamingRedisOptions Options => _connection.Options;

    private long LeaseMilliseconds => Math.Max(1, (long)_connection.Options.LeaseDuration.TotalMilliseconds);

    private string InstanceName => _connection.Options.InstanceName;

    /// <summary>Creates an empty log; false when it exists.</summary>
    public async Task<bool> CreateLogAsync(string generationId, DateTimeOffset now, CancellationToken cancellationToken) =>
        (long)await EvaluateAsync(RedisScripts.CreateLog, [_keys.Meta(generationId), _keys.Events(generationId)], [now.ToUnixTimeMilliseconds()], cancellationToken)
            .ConfigureAwait(false) == 1;

    /// <summary>
    /// Appends <paramref name="entry"/> as this instance. Appends made while another is on its way to Redis go out
    /// together in one script call (see <see cref="AppendBatcher"/>); each gets its own answer, as if sent alone.
    /// </summary>
    public Task<AppendResult> AppendAsync(EventLogEntry entry, int maxEvents, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var appended = _appends.AppendAsync(entry, maxEvents, now.ToUnixTimeMilliseconds());
        return cancellationToken.CanBeCanceled ? appended.WaitAsync(cancellationToken) : appended;
    }

    private async Task<AppendResult[]> AppendBatchAsync(List<PendingAppend> batch)
    {
        var keys = new RedisKey[2 + (4 * batch.Count)];
        var arguments = new RedisValue[1 + (8 * batch.Count)];
        keys[0] = _keys.LiveRecords;
        keys[1] = _keys.EndedRecords;
        arguments[0] = InstanceName;
        for (var i = 0; i < batch.Count; i++)
        {
            var pending = batch[i];
            var entry = pending.Entry;
            var id = entry.Event.GenerationId;
            var k = 2 + (4 * i);
            keys[k] = _keys.Meta(id);
            keys[k + 1] = _keys.Events(id);
            keys[k + 2] = _keys.Lease(id);
            keys[k + 3] = _keys.Record(id);
            var a = 1 + (8 * i);
            arguments[a] = entry.Sequence;
            arguments[a + 1] = entry.Frame;
            arguments[a + 2] = pending.MaxEvents;
            arguments[a + 3] = Math.Clamp(pending.MaxEvents / 16, 1, 100);
            arguments[a + 4] = entry.IsTerminal ? 1 : 0;
            arguments[a + 5] = entry.Event.Status;
            arguments[a + 6] = pending.NowMilliseconds;
            arguments[a + 7] = id;
        }

        var reply = (RedisResult[])(await EvaluateAsync(RedisScripts.Append, keys, arguments, CancellationToken.None).ConfigureAwait(false))!;
        if (reply.Length != 2 * batch.Count)
        {
            throw new InvalidOperationException($"The append script answered {reply.Length} values for {batch.Count} appends.");
        }

        var results = new AppendResult[batch.Count];
        for (var i = 0; i < results.Length; i++)
        {
            results[i] = new AppendResult((long)reply[2 * i], (long)reply[(2 * i) + 1]);
        }

        return results;
    }

    /// <summary>Deletes a log and its lease; false when there was none.</summary>
    public async Task<bool> DeleteLogAsync(string generationId, CancellationToken cancellationToken) =>
        (long)await EvaluateAsync(
                RedisScripts.DeleteLog, [_keys.Meta(generationId), _keys.Events(generationId), _keys.Lease(generationId), .. _keys.Checkpoint(generationId)], [], cancellationToken)
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
            record.UserId is null ? RedisValue.EmptyString : RedisKeys.UserRecordMember(record.CreatedAt, id),
            .. RedisRecordFields.Of(record with { EndedAt = ended }),
        ];
        RedisKey[] keys = record.UserId is { } userId
            ? [_keys.Record(id), _keys.Lease(id), _keys.LiveRecords, _keys.EndedRecords, _keys.UserRecords(userId)]
            : [_keys.Record(id), _keys.Lease(id), _keys.LiveRecords, _keys.EndedRecords];
        return (long)await EvaluateAsync(
                RedisScripts.AddRecord,
                keys,
                [.. arguments],
                cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>
    /// Applies an update to a record in one step, with <paramref name="expectedRevision"/> only while its steering is at
    /// that revision; returns the record after it, or null when there is none (or its revision differs).
    /// </summary>
    public async Task<GenerationRecord?> UpdateRecordAsync(
        string generationId, GenerationRecordUpdate update, DateTimeOffset now, long? expectedRevision, CancellationToken cancellationToken)
    {
        List<RedisValue> arguments =
        [
            generationId,
            now.ToUnixTimeMilliseconds(),
            update.Status ?? string.Empty,
            update.Status is { } status && GenerationStatus.IsTerminal(status) ? 1 : 0,
            update.ClearInterrupted ? 1 : 0,
            expectedRevision is { } revision ? RedisRecordFields.RevisionText(revision) : string.Empty,
            update.ClearRetryAt ? 1 : 0,
            .. RedisRecordFields.Of(update),
        ];
        var result = await EvaluateAsync(
                RedisScripts.UpdateRecord,
                [_keys.Record(generationId), _keys.LiveRecords, _keys.EndedRecords],
                [.. arguments],
                cancellationToken).ConfigureAwait(false);
        return RedisRecordFields.Read(generationId, result);
    }

    /// <summary>
    /// Deletes a record and its index entries; false when there was none. The user and creation time, which name its
    /// entry in the user's index, are read first: they never change once the record is added.
    /// </summary>
    public async Task<bool> DeleteRecordAsync(string generationId, CancellationToken cancellationToken)
    {
        var database = await _connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var owner = await database.HashGetAsync(_keys.Record(generationId), [RedisRecordFields.User, RedisRecordFields.Created])
            .WaitAsync(cancellationToken).ConfigureAwait(false);
        RedisKey[] keys = [_keys.Record(generationId), _keys.LiveRecords, _keys.EndedRecords];
        RedisValue member = RedisValue.EmptyString;
        if (!owner[0].IsNull && owner[1].TryParse(out long created))
        {
            keys = [.. keys, _keys.UserRecords((string)owner[0]!)];
            member = RedisKeys.UserRecordMember(DateTimeOffset.FromUnixTimeMilliseconds(created), generationId);
        }

        return (long)await EvaluateAsync(RedisScripts.DeleteRecord, keys, [generationId, member], cancellationToken).ConfigureAwait(false) == 1;
    }

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
                [_keys.InstanceChannelStart, RedisKeys.CancelChannelEnd, generationId],
                cancellationToken).ConfigureAwait(false) == 1;

    /// <summary>Tells the instance running a generation that input for it was stored; false when it ended or nobody runs it.</summary>
    public async Task<bool> NotifyInputAsync(string generationId, CancellationToken cancellationToken) =>
        (long)await EvaluateAsync(
                RedisScripts.NotifyInput,
                [_keys.Meta(generationId), _keys.Lease(generationId)],
                [_keys.InstanceChannelStart, RedisKeys.InputChannelEnd, generationId],
                cancellationToken).ConfigureAwait(false) == 1;

    /// <summary>Lets go of a run this instance holds that waits at a review gate; false when it does not hold it or it does not wait.</summary>
    public async Task<bool> ParkAsync(string generationId, CancellationToken cancellationToken) =>
        (long)await EvaluateAsync(
                RedisScripts.Park,
                [_keys.Meta(generationId), _keys.Record(generationId), _keys.Lease(generationId), _keys.Leases],
                [InstanceName, generationId],
                cancellationToken).ConfigureAwait(false) == 1;

    /// <summary>
    /// Claims a run nobody holds for this instance (with <paramref name="handedOverOnly"/>, only one handed over; with
    /// <paramref name="takeover"/>, not one that waits at a review gate).
    /// </summary>
    public async Task<ClaimResult> ClaimAsync(string generationId, bool handedOverOnly, bool takeover, CancellationToken cancellationToken)
    {
        var result = (RedisResult[])(await EvaluateAsync(
                RedisScripts.Claim,
                [_keys.Meta(generationId), _keys.Record(generationId), _keys.Lease(generationId)],
                [InstanceName, LeaseMilliseconds, handedOverOnly ? 1 : 0, takeover ? 1 : 0],
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
            record?.UserId is null ? RedisValue.EmptyString : RedisKeys.UserRecordMember(record.CreatedAt, generationId),
        ];
        if (record is not null)
        {
            arguments.AddRange(RedisRecordFields.Of(record with { Status = newest?.Event.Status ?? record.Status }));
        }

        RedisKey[] keys = [_keys.Meta(generationId), _keys.Events(generationId), _keys.Lease(generationId), _keys.Record(generationId), _keys.LiveRecords];
        if (record?.UserId is { } userId)
        {
            keys = [.. keys, _keys.UserRecords(userId)];
        }

        return (long)await EvaluateAsync(
                RedisScripts.Restore,
                keys,
                [.. arguments],
                cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>Reserves a generation's tokens against its user's day and unsettled count, in one step (<see cref="RedisScripts.ReserveBudget"/>).</summary>
    public async Task<(bool Reserved, int RefusedBy, long Used, int Unfinished)> ReserveBudgetAsync(
        BudgetReservation reservation, long dayTimeToLive, long openTimeToLive, CancellationToken cancellationToken)
    {
        var userId = reservation.UserId;
        var now = reservation.At.ToUnixTimeMilliseconds();
        var expiry = (long)BudgetReservation.UnsettledExpiry.TotalMilliseconds;
        var reply = (RedisResult[])(await EvaluateAsync(
                RedisScripts.ReserveBudget,
                [_keys.BudgetDay(userId, reservation.Day), _keys.BudgetOpen(userId), _keys.BudgetOpenTimes(userId)],
                [
                    reservation.GenerationId,
                    reservation.Tokens,
                    reservation.TokensPerDay is { } perDay ? perDay : RedisValue.EmptyString,
                    reservation.ConcurrentGenerations is { } most ? most : RedisValue.EmptyString,
                    now,
                    expiry,
                    reservation.Day.DayNumber,
                    dayTimeToLive,
                    openTimeToLive,
                    now - openTimeToLive,
                ],
                cancellationToken).ConfigureAwait(false))!;
        return ((long)reply[0] == 1, (int)reply[1], (long)reply[2], (int)reply[3]);
    }

    /// <summary>
    /// Settles a generation's unsettled reservation, if it has one: reads it (its day names the key), then replaces it in
    /// one step while it is still the one read (<see cref="RedisScripts.SettleBudget"/>).
    /// </summary>
    public async Task<bool> SettleBudgetAsync(string userId, string generationId, long usedTokens, CancellationToken cancellationToken)
    {
        var database = await _connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var open = await database.HashGetAsync(_keys.BudgetOpen(userId), generationId).WaitAsync(cancellationToken).ConfigureAwait(false);
        var text = (string?)open;
        var separator = text?.IndexOf('|', StringComparison.Ordinal) ?? -1;
        if (text is null || separator < 0 || !int.TryParse(text.AsSpan(0, separator), NumberStyles.None, CultureInfo.InvariantCulture, out var day))
        {
            return false;
        }

        return (long)await EvaluateAsync(
                RedisScripts.SettleBudget,
                [_keys.BudgetDay(userId, DateOnly.FromDayNumber(day)), _keys.BudgetOpen(userId), _keys.BudgetOpenTimes(userId)],
                [generationId, usedTokens, text],
                cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>
    /// Applies a checkpoint write in one step (<see cref="RedisScripts.WriteCheckpoint"/>); <paramref name="files"/> are
    /// path/encoded file pairs. Returns whether it was applied and, when not, the length the stored text has.
    /// </summary>
    public async Task<(bool Applied, long Expected)> WriteCheckpointAsync(PhaseCheckpointWrite write, byte[] text, RedisValue[] files, CancellationToken cancellationToken)
    {
        var arguments = new RedisValue[12 + files.Length];
        arguments[0] = write.Reset ? 1 : 0;
        arguments[1] = write.Phase;
        arguments[2] = write.Attempt;
        arguments[3] = write.CurrentFile is null ? 0 : 1;
        arguments[4] = write.CurrentFile ?? string.Empty;
        arguments[5] = write.Offset;
        arguments[6] = text;
        arguments[7] = write.ResumeState is null ? 0 : 1;
        arguments[8] = write.ResumeState is { } state ? (RedisValue)state : RedisValue.EmptyString;
        arguments[9] = write.Sequence;
        arguments[10] = write.WrittenAt.UtcTicks;
        arguments[11] = write.Overflowed ? 1 : 0;
        files.CopyTo(arguments, 12);
        var reply = (RedisResult[])(await EvaluateAsync(RedisScripts.WriteCheckpoint, _keys.Checkpoint(write.GenerationId), arguments, cancellationToken).ConfigureAwait(false))!;
        return ((long)reply[0] == 1, (long)reply[1]);
    }

    /// <summary>Reads a checkpoint's keys in one step (<see cref="RedisScripts.ReadCheckpoint"/>); null when there is none.</summary>
    public async Task<RedisResult[]?> ReadCheckpointAsync(string generationId, CancellationToken cancellationToken)
    {
        var result = await EvaluateAsync(RedisScripts.ReadCheckpoint, _keys.Checkpoint(generationId), [], cancellationToken).ConfigureAwait(false);
        return result.IsNull ? null : (RedisResult[])result!;
    }

    /// <summary>Deletes a checkpoint's keys (one <c>DEL</c>: they share the generation's hash tag).</summary>
    public async Task DeleteCheckpointAsync(string generationId, CancellationToken cancellationToken)
    {
        var database = await _connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        _ = await database.KeyDeleteAsync(_keys.Checkpoint(generationId)).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Wakes an instance's blocked tail read.</summary>
    public async Task WakeAsync(RedisKey wakeKey, long timeToLiveMilliseconds, CancellationToken cancellationToken) =>
        await EvaluateAsync(RedisScripts.Wake, [wakeKey], [timeToLiveMilliseconds], cancellationToken).ConfigureAwait(false);

    private async Task<RedisResult> EvaluateAsync(string script, RedisKey[] keys, RedisValue[] arguments, CancellationToken cancellationToken)
    {
        var database = await _connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        return await database.ScriptEvaluateAsync(script, keys, arguments).WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
