using System.Collections.Concurrent;
using System.Text.Json;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.StackExchangeRedis.Connections;
using Iteration.Streaming.StackExchangeRedis.Diagnostics;
using Iteration.Streaming.StackExchangeRedis.EventLog;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Iteration.Streaming.StackExchangeRedis.Records;

/// <summary>
/// Generation records in the log's meta hash (<c>{prefix}:{id}:meta</c>), so any instance answers snapshot, files and
/// iterate requests, and they expire with the log. Adding a record with an owner claims the run's lease in the same
/// step. The status follows the log: every append writes the event's status, and the terminal event writes the final
/// one atomically, so <see cref="SetStatusAsync"/> and <see cref="SetFilesAsync"/> are best effort (an outage does not fail
/// a run over them).
/// </summary>
internal sealed class RedisGenerationRecordStore : IGenerationRecordStore
{
    private static readonly RedisValue[] Fields = ["prompt", "mprompt", "parent", "entities", "status", "created", "ended", "owner", "files", "bytes"];

    private readonly RedisConnection _connection;
    private readonly RedisKeys _keys;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, GenerationRecord> _owned = new(StringComparer.Ordinal);

    public RedisGenerationRecordStore(RedisConnection connection, TimeProvider timeProvider, ILogger<RedisGenerationRecordStore>? logger = null)
    {
        _connection = connection;
        _keys = new RedisKeys(connection.Options.KeyPrefix);
        _timeProvider = timeProvider;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    public async ValueTask AddAsync(GenerationRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var id = record.GenerationId;
        if (!RedisKeys.IsValidGenerationId(id))
        {
            throw new ArgumentException($"A generation id must be at most {RedisKeys.MaxGenerationIdLength} characters, without braces or control characters.", nameof(record));
        }

        var options = _connection.Options;
        var arguments = new List<RedisValue> { record.Owner ?? string.Empty, LeaseMilliseconds(options.LeaseDuration) };
        arguments.AddRange(ToFields(record));
        var database = await _connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var added = (long)await database.ScriptEvaluateAsync(RedisScripts.AddRecord, [_keys.Meta(id), _keys.Lease(id)], [.. arguments])
            .WaitAsync(cancellationToken)
            .ConfigureAwait(false);
        switch (added)
        {
            case -1:
                throw new InvalidOperationException($"Generation '{id}' has no event log in Redis: the record is kept beside it, so create the log first.");
            case 0:
                throw new InvalidOperationException($"A record of generation '{id}' exists already.");
        }

        if (record.Owner is not null)
        {
            _owned[id] = record;
            var expires = _timeProvider.GetUtcNow() + options.LeaseDuration;
            await database.SortedSetAddAsync(_keys.Leases, id, expires.ToUnixTimeMilliseconds()).ConfigureAwait(false);
        }
    }

    public async ValueTask<GenerationRecord?> GetAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        if (!RedisKeys.IsValidGenerationId(generationId))
        {
            return null;
        }

        var database = await _connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var values = await database.HashGetAsync(_keys.Meta(generationId), Fields).WaitAsync(cancellationToken).ConfigureAwait(false);
        return values[0].IsNull ? null : FromFields(generationId, values);
    }

    // Runs on Redis are resumed by takeover, not by listing at start: until then, shutdown behaves as before.
    public bool IsDurable => false;

    public async ValueTask<GenerationRecord?> UpdateAsync(string generationId, GenerationRecordUpdate update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        if (update.Status is { } status)
        {
            await SetStatusAsync(generationId, status, cancellationToken).ConfigureAwait(false);
        }

        if (update.FileCount is { } files)
        {
            await SetFilesAsync(generationId, files, update.TotalBytes ?? 0, cancellationToken).ConfigureAwait(false);
        }

        return await GetAsync(generationId, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<IReadOnlyList<GenerationRecord>> ListUnfinishedAsync(CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("Listing records on Redis is not implemented yet.");

    public ValueTask<IReadOnlyList<GenerationRecord>> ListEndedAsync(CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("Listing records on Redis is not implemented yet.");

    public ValueTask<bool> DeleteAsync(string generationId, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("Deleting records on Redis is not implemented yet.");

    public async ValueTask SetStatusAsync(string generationId, string status, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        ArgumentNullException.ThrowIfNull(status);
        if (_owned.TryGetValue(generationId, out var owned))
        {
            _owned.TryUpdate(generationId, owned with { Status = status }, owned);
        }

        var terminal = GenerationStatus.IsTerminal(status) ? 1 : 0;
        await BestEffortAsync(
            generationId,
            RedisScripts.SetStatus,
            [status, terminal, _timeProvider.GetUtcNow().ToUnixTimeMilliseconds()],
            cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask SetFilesAsync(string generationId, int fileCount, long totalBytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        if (_owned.TryGetValue(generationId, out var owned))
        {
            _owned.TryUpdate(generationId, owned with { FileCount = fileCount, TotalBytes = totalBytes }, owned);
        }

        await BestEffortAsync(generationId, RedisScripts.SetFiles, [fileCount, totalBytes], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The record of a run this instance owns, as it added it (kept to restore the generation if Redis loses it).</summary>
    internal GenerationRecord? GetOwned(string generationId) => _owned.GetValueOrDefault(generationId);

    /// <summary>Forgets a run this instance no longer owns.</summary>
    internal void Forget(string generationId) => _owned.TryRemove(generationId, out _);

    internal static long LeaseMilliseconds(TimeSpan lease) => Math.Max(1, (long)lease.TotalMilliseconds);

    /// <summary>The record's fields as the meta hash holds them, as name/value pairs (the owner is written apart, with the lease).</summary>
    internal static List<RedisValue> ToFields(GenerationRecord record)
    {
        var fields = new List<RedisValue>
        {
            "prompt", record.Prompt,
            "entities", JsonSerializer.Serialize([.. record.Entities], RedisJsonContext.Default.StringArray),
            "status", record.Status,
            "created", record.CreatedAt.ToUnixTimeMilliseconds(),
            "files", record.FileCount,
            "bytes", record.TotalBytes,
        };
        if (record.ModificationPrompt is { } modification)
        {
            fields.AddRange(["mprompt", modification]);
        }

        if (record.ParentGenerationId is { } parent)
        {
            fields.AddRange(["parent", parent]);
        }

        if (record.EndedAt is { } ended)
        {
            fields.AddRange(["ended", ended.ToUnixTimeMilliseconds()]);
        }

        return fields;
    }

    private static GenerationRecord FromFields(string generationId, RedisValue[] values)
    {
        string[] entities;
        try
        {
            entities = values[3].IsNull ? [] : JsonSerializer.Deserialize((string)values[3]!, RedisJsonContext.Default.StringArray) ?? [];
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"The record of generation '{generationId}' in Redis has an unreadable entity list.", ex);
        }

        return new GenerationRecord
        {
            GenerationId = generationId,
            Prompt = (string)values[0]!,
            ModificationPrompt = (string?)values[1],
            ParentGenerationId = (string?)values[2],
            Entities = entities,
            Status = (string?)values[4] ?? GenerationStatus.Queued,
            CreatedAt = ToTime(values[5]) ?? DateTimeOffset.UnixEpoch,
            EndedAt = ToTime(values[6]),
            Owner = (string?)values[7],
            FileCount = !values[8].IsNull && values[8].TryParse(out int files) ? files : 0,
            TotalBytes = !values[9].IsNull && values[9].TryParse(out long bytes) ? bytes : 0,
        };
    }

    private static DateTimeOffset? ToTime(RedisValue value) =>
        !value.IsNull && value.TryParse(out long milliseconds) ? DateTimeOffset.FromUnixTimeMilliseconds(milliseconds) : null;

    private async Task BestEffortAsync(string generationId, string script, RedisValue[] arguments, CancellationToken cancellationToken)
    {
        if (!RedisKeys.IsValidGenerationId(generationId))
        {
            return;
        }

        try
        {
            var database = await _connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
            await database.ScriptEvaluateAsync(script, [_keys.Meta(generationId)], arguments).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisFailures.IsTransient(ex) || ex is ObjectDisposedException)
        {
            Log.RecordUpdateSkipped(_logger, generationId, ex);
        }
    }
}
