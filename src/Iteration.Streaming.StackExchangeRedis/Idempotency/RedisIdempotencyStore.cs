using System.Security.Cryptography;
using System.Text;
using Iteration.Streaming.Idempotency;
using Iteration.Streaming.StackExchangeRedis.Connections;
using StackExchange.Redis;

namespace Iteration.Streaming.StackExchangeRedis.Idempotency;

/// <summary>
/// Idempotency keys and retry slots in Redis, shared by every instance: one hash per key
/// (<c>{prefix}:idempotency:{sha256 of the key}</c>, fields <c>f</c> fingerprint, <c>r</c> result, <c>e</c> expiry in
/// Unix ms), each change one script, so one of concurrent claims wins on any number of instances. Whether an entry is
/// live is decided against the app's <see cref="TimeProvider"/>; Redis also expires the hash itself at the same time
/// (its own clock), which is the table's retention.
/// </summary>
internal sealed class RedisIdempotencyStore(RedisConnection connection, TimeProvider timeProvider) : IIdempotencyStore
{
    private const int MaxKeyLength = 512;

    private const string TryAddScript = """
        local e = redis.call('HGET', KEYS[1], 'e')
        if e and tonumber(e) > tonumber(ARGV[3]) then
            return redis.call('HMGET', KEYS[1], 'f', 'r', 'e')
        end
        redis.call('DEL', KEYS[1])
        redis.call('HSET', KEYS[1], 'f', ARGV[1], 'e', ARGV[2])
        if ARGV[6] == '1' then
            redis.call('HSET', KEYS[1], 'r', ARGV[5])
        end
        redis.call('PEXPIRE', KEYS[1], ARGV[4])
        return false
        """;

    private const string CompleteScript = """
        local v = redis.call('HMGET', KEYS[1], 'f', 'e')
        if not v[1] or v[1] ~= ARGV[1] or tonumber(v[2]) <= tonumber(ARGV[4]) then
            return 0
        end
        redis.call('HSET', KEYS[1], 'r', ARGV[2], 'e', ARGV[3])
        redis.call('PEXPIRE', KEYS[1], ARGV[5])
        return 1
        """;

    private const string RemoveScript = """
        local v = redis.call('HMGET', KEYS[1], 'f', 'e')
        if not v[1] or v[1] ~= ARGV[1] or tonumber(v[2]) <= tonumber(ARGV[2]) then
            return 0
        end
        redis.call('DEL', KEYS[1])
        return 1
        """;

    private readonly string _prefix = connection.Options.KeyPrefix;

    public bool IsDurable => true;

    public async ValueTask<IdempotencyEntry?> TryAddAsync(IdempotencyEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (string.IsNullOrEmpty(entry.Key) || entry.Key.Length > MaxKeyLength)
        {
            throw new ArgumentException($"An idempotency entry's key must be 1 to {MaxKeyLength} characters.", nameof(entry));
        }

        if (string.IsNullOrEmpty(entry.Fingerprint))
        {
            throw new ArgumentException("An idempotency entry needs a fingerprint.", nameof(entry));
        }

        var now = timeProvider.GetUtcNow();
        var reply = await EvaluateAsync(
            TryAddScript,
            entry.Key,
            [entry.Fingerprint, entry.ExpiresAt.ToUnixTimeMilliseconds(), now.ToUnixTimeMilliseconds(), TimeToLive(entry.ExpiresAt, now), entry.Result ?? string.Empty, entry.Result is null ? "0" : "1"],
            cancellationToken).ConfigureAwait(false);
        return reply.IsNull ? null : Read(entry.Key, (RedisResult[])reply!);
    }

    public async ValueTask<IdempotencyEntry?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var database = await connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var values = await database.HashGetAsync(Key(key), ["f", "r", "e"]).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (values[0].IsNull || values[2].IsNull)
        {
            return null;
        }

        var entry = new IdempotencyEntry
        {
            Key = key,
            Fingerprint = values[0].ToString(),
            Result = values[1].IsNull ? null : values[1].ToString(),
            ExpiresAt = DateTimeOffset.FromUnixTimeMilliseconds((long)values[2]),
        };
        return entry.ExpiresAt > timeProvider.GetUtcNow() ? entry : null;
    }

    public async ValueTask<bool> CompleteAsync(string key, string fingerprint, string result, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(fingerprint);
        ArgumentNullException.ThrowIfNull(result);
        var now = timeProvider.GetUtcNow();
        var reply = await EvaluateAsync(
            CompleteScript,
            key,
            [fingerprint, result, expiresAt.ToUnixTimeMilliseconds(), now.ToUnixTimeMilliseconds(), TimeToLive(expiresAt, now)],
            cancellationToken).ConfigureAwait(false);
        return (long)reply == 1;
    }

    public async ValueTask<bool> RemoveAsync(string key, string fingerprint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(fingerprint);
        var reply = await EvaluateAsync(RemoveScript, key, [fingerprint, timeProvider.GetUtcNow().ToUnixTimeMilliseconds()], cancellationToken)
            .ConfigureAwait(false);
        return (long)reply == 1;
    }

    /// <summary>Redis's own expiry of the hash: never less than a millisecond (PEXPIRE 0 would delete it at once).</summary>
    private static long TimeToLive(DateTimeOffset expiresAt, DateTimeOffset now) => Math.Max(1, (long)(expiresAt - now).TotalMilliseconds);

    private static IdempotencyEntry Read(string key, RedisResult[] values) => new()
    {
        Key = key,
        Fingerprint = values[0].ToString(),
        Result = values[1].IsNull ? null : values[1].ToString(),
        ExpiresAt = DateTimeOffset.FromUnixTimeMilliseconds((long)values[2]),
    };

    /// <summary>The hash of one key: hashed, so no client key can carry a hash tag, a glob or a control character into Redis.</summary>
    private RedisKey Key(string key) => $"{_prefix}:idempotency:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))}";

    private async Task<RedisResult> EvaluateAsync(string script, string key, RedisValue[] arguments, CancellationToken cancellationToken)
    {
        var database = await connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        return await database.ScriptEvaluateAsync(script, [Key(key)], arguments).WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
