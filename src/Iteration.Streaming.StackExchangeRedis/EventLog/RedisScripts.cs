namespace Iteration.Streaming.StackExchangeRedis.EventLog;

/// <summary>
/// The Lua scripts that change a generation's keys. A script runs atomically on the server in one round trip, and all its
/// keys share the generation's hash tag, so it also runs on Redis Cluster. MULTI/WATCH would need a read round trip
/// before every append and a retry loop on every concurrent change; a script checks, numbers and appends in one step.
/// </summary>
internal static class RedisScripts
{
    /// <summary>KEYS: meta, events. ARGV: created (Unix ms). Returns 1 when created, 0 when the generation exists.</summary>
    public const string Create = """
        if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
        redis.call('DEL', KEYS[2])
        redis.call('HSET', KEYS[1], 'last', 0, 'created', ARGV[1])
        return 1
        """;

    /// <summary>
    /// KEYS: meta, events. ARGV: expected sequence, frame built for it, max events, trim batch, terminal (1/0), retention (ms).
    /// Assigns the next sequence (<c>last + 1</c>) atomically. The caller builds the frame for the sequence it expects
    /// (its last append + 1, right whenever it is the only writer); when another writer got there first, the script swaps
    /// the frame's <c>id:</c> line for the assigned sequence, so the append never retries. Returns <c>{0, seq}</c>
    /// appended, <c>{-1, 0}</c> unknown generation, <c>{-2, terminal}</c> already ended.
    /// Trimming drops whole batches below <c>seq - max</c> with MINID and first keeps the newest dropped frame in
    /// <c>gap</c>: a reader that fell behind is given that state as a <c>replay: snapshot</c> event.
    /// </summary>
    public const string Append = """
        local state = redis.call('HMGET', KEYS[1], 'last', 'terminal')
        if not state[1] then return {-1, 0} end
        if state[2] then return {-2, tonumber(state[2])} end
        local seq = tonumber(state[1]) + 1
        local frame = ARGV[2]
        if tonumber(ARGV[1]) ~= seq then
          frame = string.format('id: %d', seq) .. string.sub(frame, #ARGV[1] + 5)
        end
        redis.call('XADD', KEYS[2], string.format('%d-0', seq), 'f', frame)
        redis.call('HSET', KEYS[1], 'last', seq)
        local victim = seq - tonumber(ARGV[3])
        if victim > 0 and victim % tonumber(ARGV[4]) == 0 then
          local id = string.format('%d-0', victim)
          local dropped = redis.call('XRANGE', KEYS[2], id, id)
          if dropped[1] then redis.call('HSET', KEYS[1], 'gap', dropped[1][2][2]) end
          redis.call('XTRIM', KEYS[2], 'MINID', string.format('%d-0', victim + 1))
        end
        if ARGV[5] == '1' then
          redis.call('HSET', KEYS[1], 'terminal', seq)
          redis.call('PEXPIRE', KEYS[1], ARGV[6])
          redis.call('PEXPIRE', KEYS[2], ARGV[6])
        end
        return {0, seq}
        """;

    /// <summary>KEYS: wake. ARGV: time to live (ms). Adds one entry (keeping one) so the instance's blocked tail read returns.</summary>
    public const string Wake = """
        redis.call('XADD', KEYS[1], 'MAXLEN', 1, '*', 'w', 1)
        redis.call('PEXPIRE', KEYS[1], ARGV[1])
        return 1
        """;
}
