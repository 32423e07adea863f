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
    /// KEYS: meta, events, lease. ARGV: expected sequence, frame built for it, max events, trim batch, terminal (1/0),
    /// retention (ms), status, now (Unix ms), takeover (1/0).
    /// Assigns the next sequence (<c>last + 1</c>) atomically. The caller builds the frame for the sequence it expects
    /// (its last append + 1, right whenever it is the only writer); when another writer got there first, the script swaps
    /// the frame's <c>id:</c> line for the assigned sequence, so the append never retries. A retry of an append that
    /// did reach Redis (its reply was lost with the connection) finds its own frame at the expected id and is not
    /// appended twice. Returns <c>{0, seq}</c> appended, <c>{-1, 0}</c> unknown generation, <c>{-2, terminal}</c>
    /// already ended, <c>{-3, last}</c> takeover refused (the lease is held, or the log moved since the caller read it).
    /// A terminal event sets <c>terminal</c>, <c>status</c> and <c>ended</c>, deletes the lease and starts the expiry,
    /// all in the same step: nothing can be appended after it, by the owner or by an instance taking over.
    /// Trimming drops whole batches below <c>seq - max</c> with MINID and first keeps the newest dropped frame in
    /// <c>gap</c>: a reader that fell behind is given that state as a <c>replay: snapshot</c> event.
    /// </summary>
    public const string Append = """
        local state = redis.call('HMGET', KEYS[1], 'last', 'terminal')
        if not state[1] then return {-1, 0} end
        local last = tonumber(state[1])
        local expected = tonumber(ARGV[1])
        if expected <= last then
          local id = string.format('%d-0', expected)
          local stored = redis.call('XRANGE', KEYS[2], id, id)
          if stored[1] and stored[1][2][2] == ARGV[2] then return {0, expected} end
        end
        if state[2] then return {-2, tonumber(state[2])} end
        if ARGV[9] == '1' and (redis.call('EXISTS', KEYS[3]) == 1 or expected ~= last + 1) then return {-3, last} end
        local seq = last + 1
        local frame = ARGV[2]
        if expected ~= seq then
          frame = string.format('id: %d', seq) .. string.sub(frame, #ARGV[1] + 5)
        end
        redis.call('XADD', KEYS[2], string.format('%d-0', seq), 'f', frame)
        redis.call('HSET', KEYS[1], 'last', seq, 'status', ARGV[7])
        local victim = seq - tonumber(ARGV[3])
        if victim > 0 and victim % tonumber(ARGV[4]) == 0 then
          local id = string.format('%d-0', victim)
          local dropped = redis.call('XRANGE', KEYS[2], id, id)
          if dropped[1] then redis.call('HSET', KEYS[1], 'gap', dropped[1][2][2]) end
          redis.call('XTRIM', KEYS[2], 'MINID', string.format('%d-0', victim + 1))
        end
        if ARGV[5] == '1' then
          redis.call('HSET', KEYS[1], 'terminal', seq, 'ended', ARGV[8])
          redis.call('DEL', KEYS[3])
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

    /// <summary>
    /// KEYS: meta, lease. ARGV: owner ('' for none), lease (ms), then the record's field/value pairs. Writes the record
    /// into the log's meta hash and, with an owner, claims the lease in the same step. Returns 1 added, 0 when a record
    /// exists, -1 when the generation's log does not exist.
    /// </summary>
    public const string AddRecord = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
        if redis.call('HEXISTS', KEYS[1], 'prompt') == 1 then return 0 end
        for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
        if ARGV[1] ~= '' then
          redis.call('HSET', KEYS[1], 'owner', ARGV[1])
          redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
        end
        return 1
        """;

    /// <summary>
    /// KEYS: meta. ARGV: status, terminal (1/0), now (Unix ms). Sets the record's status unless it ended (the terminal
    /// event sets the final one). Returns 1 set, 0 ignored.
    /// </summary>
    public const string SetStatus = """
        local s = redis.call('HMGET', KEYS[1], 'prompt', 'terminal', 'ended')
        if not s[1] or s[2] or s[3] then return 0 end
        redis.call('HSET', KEYS[1], 'status', ARGV[1])
        if ARGV[2] == '1' then redis.call('HSET', KEYS[1], 'ended', ARGV[3]) end
        return 1
        """;

    /// <summary>KEYS: meta. ARGV: file count, total bytes. Returns 1 set, 0 when there is no record.</summary>
    public const string SetFiles = """
        if redis.call('HEXISTS', KEYS[1], 'prompt') == 0 then return 0 end
        redis.call('HSET', KEYS[1], 'files', ARGV[1], 'bytes', ARGV[2])
        return 1
        """;

    /// <summary>
    /// KEYS: meta, lease. ARGV: instance, lease (ms). The owner's renewal: extends its lease, or claims it again when it
    /// lapsed and nobody ended the generation meanwhile. Returns 1 renewed, 2 renewed and a cancel was requested,
    /// 0 another instance holds the lease, -1 unknown generation, -2 ended.
    /// </summary>
    public const string Renew = """
        local s = redis.call('HMGET', KEYS[1], 'last', 'terminal', 'cancel')
        if not s[1] then return -1 end
        if s[2] then return -2 end
        local owner = redis.call('GET', KEYS[2])
        if owner and owner ~= ARGV[1] then return 0 end
        redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
        if s[3] then return 2 end
        return 1
        """;

    /// <summary>
    /// KEYS: meta. ARGV: channel start, channel end, generation id. Marks a running generation as cancel-requested (its
    /// owner sees the mark on its next renewal) and tells the owner at once on its channel. Returns 1 requested,
    /// 0 ended or without an owner, -1 unknown generation.
    /// </summary>
    public const string Cancel = """
        local s = redis.call('HMGET', KEYS[1], 'last', 'terminal', 'owner')
        if not s[1] then return -1 end
        if s[2] or not s[3] then return 0 end
        redis.call('HSET', KEYS[1], 'cancel', 1)
        redis.call('PUBLISH', ARGV[1] .. s[3] .. ARGV[2], ARGV[3])
        return 1
        """;

    /// <summary>
    /// KEYS: meta, events, lease. ARGV: owner ('' for none), lease (ms), last sequence, last frame ('' for none),
    /// created (Unix ms), then the record's field/value pairs. Recreates a generation that Redis lost (restarted without
    /// persistence) from what its writer kept: the sequence goes on where it was, and the newest event stands for the lost
    /// history (a reader from before it gets it as a <c>replay: snapshot</c> event). Returns 1 restored, 0 when it exists.
    /// </summary>
    public const string Restore = """
        if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
        redis.call('DEL', KEYS[2])
        if ARGV[4] ~= '' then
          redis.call('XADD', KEYS[2], string.format('%d-0', tonumber(ARGV[3])), 'f', ARGV[4])
          redis.call('HSET', KEYS[1], 'gap', ARGV[4])
        end
        redis.call('HSET', KEYS[1], 'last', ARGV[3], 'created', ARGV[5])
        for i = 6, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
        if ARGV[1] ~= '' then
          redis.call('HSET', KEYS[1], 'owner', ARGV[1])
          redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[2])
        end
        return 1
        """;
}
