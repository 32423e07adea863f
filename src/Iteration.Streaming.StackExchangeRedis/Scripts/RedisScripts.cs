namespace Iteration.Streaming.StackExchangeRedis.Scripts;

/// <summary>
/// The Lua scripts, the package's protocol with Redis: each runs atomically on the server in one round trip. A script
/// touches one generation's keys (which share the generation's hash tag) and, for records, the prefix's two record
/// indexes. MULTI/WATCH would need a read round trip before every change and a retry loop on every concurrent one; a
/// script checks and changes in one step. Only <see cref="RedisScriptGateway"/> runs them.
/// </summary>
internal static class RedisScripts
{
    /// <summary>KEYS: meta, events. ARGV: created (Unix ms). Returns 1 when created, 0 when the log exists.</summary>
    public const string CreateLog = """
        if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
        redis.call('DEL', KEYS[2])
        redis.call('HSET', KEYS[1], 'last', 0, 'created', ARGV[1])
        return 1
        """;

    /// <summary>
    /// KEYS: live index, ended index, then for each event: meta, events, lease, record. ARGV: writer (instance name), then
    /// for each event: expected sequence, frame built for it, max events, trim batch, terminal (1/0), status, now (Unix
    /// ms), generation id. Appends a batch of events (of one or many generations) in one step, each exactly as if it were
    /// appended alone, in the order given; returns <c>{code, seq}</c> per event, flattened.
    /// Each append assigns the next sequence (<c>last + 1</c>) atomically. The caller builds the frame for the sequence it
    /// expects; when another writer got there first the script swaps the frame's <c>id:</c> line for the assigned
    /// sequence. A retry of an append that did reach Redis (its reply was lost with the connection) finds its own frame at
    /// the expected id and is not appended twice. Only the generation's owner may append (the lease holder, or while no
    /// lease is held the owner on record, or anyone when it has none): an instance that lost a run it was writing (its
    /// lease lapsed and another instance took the run over) is fenced off. Codes: <c>{0, seq}</c> appended,
    /// <c>{-1, 0}</c> unknown generation, <c>{-2, terminal}</c> already ended, <c>{-3, last}</c> another instance owns
    /// the run. A live record follows the log: its status becomes the event's, and a terminal event ends it in the same
    /// step (status, end time, the ended index) and deletes the lease: nothing can be appended after it.
    /// Trimming drops whole batches below <c>seq - max</c> with MINID and first keeps the newest dropped frame in
    /// <c>gap</c>: a reader that fell behind is given that state as a <c>replay: snapshot</c> event.
    /// </summary>
    public const string Append = """
        local function append(meta, events, lease, record, live, ended, writer, expectedText, frame, max, trim, terminal, status, now, id)
          local state = redis.call('HMGET', meta, 'last', 'terminal')
          if not state[1] then return -1, 0 end
          local last = tonumber(state[1])
          local expected = tonumber(expectedText)
          if expected <= last then
            local eid = string.format('%d-0', expected)
            local stored = redis.call('XRANGE', events, eid, eid)
            if stored[1] and stored[1][2][2] == frame then return 0, expected end
          end
          if state[2] then return -2, tonumber(state[2]) end
          local holder = redis.call('GET', lease)
          if not holder then holder = redis.call('HGET', record, 'owner') end
          if holder and holder ~= writer then return -3, last end
          local seq = last + 1
          if expected ~= seq then
            frame = string.format('id: %d', seq) .. string.sub(frame, #expectedText + 5)
          end
          redis.call('XADD', events, string.format('%d-0', seq), 'f', frame)
          redis.call('HSET', meta, 'last', seq, 'status', status)
          local victim = seq - tonumber(max)
          if victim > 0 and victim % tonumber(trim) == 0 then
            local vid = string.format('%d-0', victim)
            local dropped = redis.call('XRANGE', events, vid, vid)
            if dropped[1] then redis.call('HSET', meta, 'gap', dropped[1][2][2]) end
            redis.call('XTRIM', events, 'MINID', string.format('%d-0', victim + 1))
          end
          local rec = redis.call('HMGET', record, 'status', 'ended')
          if rec[1] and not rec[2] then
            if rec[1] ~= status then redis.call('HSET', record, 'status', status) end
            if terminal == '1' then
              redis.call('HSET', record, 'ended', now)
              redis.call('ZREM', live, id)
              redis.call('ZADD', ended, now, id)
            end
          end
          if terminal == '1' then
            redis.call('HSET', meta, 'terminal', seq, 'ended', now)
            redis.call('DEL', lease)
          end
          return 0, seq
        end
        local out = {}
        local events = (#KEYS - 2) / 4
        for i = 0, events - 1 do
          local k = 3 + i * 4
          local a = 2 + i * 8
          local code, seq = append(KEYS[k], KEYS[k + 1], KEYS[k + 2], KEYS[k + 3], KEYS[1], KEYS[2], ARGV[1],
            ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4], ARGV[a + 5], ARGV[a + 6], ARGV[a + 7])
          out[2 * i + 1] = code
          out[2 * i + 2] = seq
        end
        return out
        """;

    /// <summary>
    /// KEYS: meta, events, lease, then the checkpoint's keys. Deletes a generation's log, lease and phase checkpoint.
    /// Returns 1 when the log existed.
    /// </summary>
    public const string DeleteLog = """
        local existed = redis.call('EXISTS', KEYS[1])
        redis.call('DEL', unpack(KEYS))
        return existed
        """;

    /// <summary>
    /// KEYS: checkpoint head, text, paths, files. ARGV: reset (1/0), phase, attempt, has a current file (1/0), current
    /// file, offset (UTF-16 code units), text delta (UTF-16LE), has a resume state (1/0), resume state, sequence, written
    /// at (UTC ticks), overflowed (1/0), then path/file pairs. Applies one incremental checkpoint write in one step: a
    /// reset, another phase or an overflow starts anew; a write whose delta does not start at the stored text's length
    /// (0 when the current file changes or is finished by this write) changes nothing and returns <c>{0, length}</c>.
    /// Otherwise the files are set (a new path is pushed to the order list), the delta is APPENDed (the text so far is
    /// never rewritten) and the head set; returns <c>{1, offset}</c>.
    /// </summary>
    public const string WriteCheckpoint = """
        local s = redis.call('HMGET', KEYS[1], 'phase', 'file')
        local fresh = ARGV[1] == '1' or ARGV[12] == '1' or not s[1] or s[1] ~= ARGV[2]
        local starts = fresh or ARGV[4] == '0' or not s[2] or s[2] ~= ARGV[5]
        if not starts then
          for i = 13, #ARGV, 2 do
            if ARGV[i] == s[2] then
              starts = true
              break
            end
          end
        end
        local expected = 0
        if not starts then expected = redis.call('STRLEN', KEYS[2]) / 2 end
        if ARGV[4] == '1' and tonumber(ARGV[6]) ~= expected then return {0, expected} end
        if fresh then redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4]) end
        redis.call('HSET', KEYS[1], 'phase', ARGV[2], 'attempt', ARGV[3], 'seq', ARGV[10], 'at', ARGV[11])
        if ARGV[12] == '1' then
          redis.call('HSET', KEYS[1], 'ovf', 1)
          return {1, 0}
        end
        for i = 13, #ARGV, 2 do
          if redis.call('HSET', KEYS[4], ARGV[i], ARGV[i + 1]) == 1 then redis.call('RPUSH', KEYS[3], ARGV[i]) end
        end
        if starts and not fresh then redis.call('DEL', KEYS[2]) end
        if ARGV[4] == '1' then
          if ARGV[7] ~= '' then redis.call('APPEND', KEYS[2], ARGV[7]) end
          redis.call('HSET', KEYS[1], 'file', ARGV[5])
        else
          redis.call('HDEL', KEYS[1], 'file')
        end
        if ARGV[8] == '1' then redis.call('HSET', KEYS[1], 'state', ARGV[9]) end
        return {1, expected}
        """;

    /// <summary>
    /// KEYS: checkpoint head, text, paths, files. Reads a checkpoint in one step: <c>{head, text, paths, files}</c>
    /// (head: phase, attempt, file, state, seq, at, ovf; files in the order of paths), or nil when there is none.
    /// </summary>
    public const string ReadCheckpoint = """
        local h = redis.call('HMGET', KEYS[1], 'phase', 'attempt', 'file', 'state', 'seq', 'at', 'ovf')
        if not h[1] then return false end
        local paths = redis.call('LRANGE', KEYS[3], 0, -1)
        local files = {}
        for i = 1, #paths do files[i] = redis.call('HGET', KEYS[4], paths[i]) or '' end
        return {h, redis.call('GET', KEYS[2]) or '', paths, files}
        """;

    /// <summary>KEYS: wake. ARGV: time to live (ms). Adds one entry (keeping one) so the instance's blocked tail read returns.</summary>
    public const string Wake = """
        redis.call('XADD', KEYS[1], 'MAXLEN', 1, '*', 'w', 1)
        redis.call('PEXPIRE', KEYS[1], ARGV[1])
        return 1
        """;

    /// <summary>
    /// KEYS: record, lease, live index, ended index, then the user's index when the record has a user. ARGV: owner ('' for
    /// none), lease (ms), generation id, created (Unix ms), ended (Unix ms, '' while live), the user index member ('' for
    /// none), then the record's field/value pairs. Writes a new record, indexes it (also under its user) and, with an
    /// owner, claims the lease in the same step. Returns 1 added, 0 when a record exists.
    /// </summary>
    public const string AddRecord = """
        if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
        for i = 7, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
        if ARGV[5] == '' then
          redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3])
        else
          redis.call('ZADD', KEYS[4], ARGV[5], ARGV[3])
        end
        if KEYS[5] then redis.call('ZADD', KEYS[5], 0, ARGV[6]) end
        if ARGV[1] ~= '' then
          redis.call('HSET', KEYS[1], 'owner', ARGV[1])
          redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
        end
        return 1
        """;

    /// <summary>
    /// KEYS: record, live index, ended index. ARGV: generation id, now (Unix ms), status ('' to keep), terminal (1/0),
    /// clear the interruption time (1/0), expected steering revision ('' for any), clear the retry time (1/0), then
    /// field/value pairs to set.
    /// Changes a record in one step: a terminal status also sets the end time and moves the record to the ended index;
    /// an ended record keeps its status and end time. With an expected revision, changes nothing unless the record's
    /// <c>srev</c> (absent: '0') is that text, so of two changes from one revision exactly one applies. Returns the
    /// record after the change (all its fields), or nil when there is none or its revision differs.
    /// </summary>
    public const string UpdateRecord = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return false end
        if ARGV[6] ~= '' and (redis.call('HGET', KEYS[1], 'srev') or '0') ~= ARGV[6] then return false end
        for i = 8, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
        if ARGV[5] == '1' then redis.call('HDEL', KEYS[1], 'interrupted') end
        if ARGV[7] == '1' then redis.call('HDEL', KEYS[1], 'retry_at') end
        if ARGV[3] ~= '' and redis.call('HEXISTS', KEYS[1], 'ended') == 0 then
          redis.call('HSET', KEYS[1], 'status', ARGV[3])
          if ARGV[4] == '1' then
            redis.call('HSET', KEYS[1], 'ended', ARGV[2])
            redis.call('ZREM', KEYS[2], ARGV[1])
            redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
          end
        end
        return redis.call('HGETALL', KEYS[1])
        """;

    /// <summary>
    /// KEYS: record, live index, ended index, then the user's index when the record has a user. ARGV: generation id, the
    /// user index member ('' for none). Returns 1 when a record was deleted.
    /// </summary>
    public const string DeleteRecord = """
        local deleted = redis.call('DEL', KEYS[1])
        redis.call('ZREM', KEYS[2], ARGV[1])
        redis.call('ZREM', KEYS[3], ARGV[1])
        if KEYS[4] then redis.call('ZREM', KEYS[4], ARGV[2]) end
        return deleted
        """;

    /// <summary>
    /// KEYS: meta, record, lease. ARGV: instance, lease (ms). The owner's renewal: extends its lease, or claims it again
    /// when it lapsed and nobody took the run over meanwhile. Returns 1 renewed, 2 renewed and a cancel was requested,
    /// 3 renewed and input arrived since the last renewal (the mark is taken), 0 another instance owns the run, -1
    /// unknown generation, -2 ended.
    /// </summary>
    public const string Renew = """
        local s = redis.call('HMGET', KEYS[1], 'last', 'terminal', 'cancel', 'input')
        if not s[1] then return -1 end
        if s[2] then return -2 end
        local holder = redis.call('GET', KEYS[3])
        if not holder then holder = redis.call('HGET', KEYS[2], 'owner') end
        if holder and holder ~= ARGV[1] then return 0 end
        redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[2])
        if s[3] then return 2 end
        if s[4] then
          redis.call('HDEL', KEYS[1], 'input')
          return 3
        end
        return 1
        """;

    /// <summary>
    /// KEYS: meta, record, lease. ARGV: channel start, channel end, generation id. Marks a running generation as
    /// cancel-requested (its owner, or whoever takes it over, sees the mark on its next renewal) and tells the owner at
    /// once on its channel. Returns 1 requested, 0 ended or without an owner, -1 unknown generation.
    /// </summary>
    public const string Cancel = """
        local s = redis.call('HMGET', KEYS[1], 'last', 'terminal')
        if not s[1] then return -1 end
        if s[2] then return 0 end
        local owner = redis.call('GET', KEYS[3])
        if not owner then owner = redis.call('HGET', KEYS[2], 'owner') end
        if not owner then return 0 end
        redis.call('HSET', KEYS[1], 'cancel', 1)
        redis.call('PUBLISH', ARGV[1] .. owner .. ARGV[2], ARGV[3])
        return 1
        """;

    /// <summary>
    /// KEYS: meta, lease. ARGV: channel start, channel end, generation id. Tells the instance running a generation (the
    /// lease holder) that input for it was stored in its record: a mark in the meta (its next renewal reads it, when the
    /// message is lost) and a message on that instance's input channel. Returns 1 told, 0 ended or nobody runs it (at a
    /// gate, or its owner went away), -1 unknown generation.
    /// </summary>
    public const string NotifyInput = """
        local s = redis.call('HMGET', KEYS[1], 'last', 'terminal')
        if not s[1] then return -1 end
        if s[2] then return 0 end
        local owner = redis.call('GET', KEYS[2])
        if not owner then return 0 end
        redis.call('HSET', KEYS[1], 'input', 1)
        redis.call('PUBLISH', ARGV[1] .. owner .. ARGV[2], ARGV[3])
        return 1
        """;

    /// <summary>
    /// KEYS: meta, record, lease, lease index. ARGV: instance, generation id. The owner lets go of a run that waits for
    /// its user at a review gate (its record's status is <c>awaiting_input</c>): deletes its lease and its lease index
    /// entry, so that nobody takes the run over (it needs no owner while it waits) and whichever instance gets the input
    /// may claim it at once (which indexes it again). Returns 1 let go, 0 when this instance does not hold it, it ended,
    /// or it does not wait (its lease then lapses as before, and another instance resumes it).
    /// </summary>
    public const string Park = """
        if redis.call('GET', KEYS[3]) ~= ARGV[1] then return 0 end
        local s = redis.call('HMGET', KEYS[1], 'last', 'terminal')
        if not s[1] or s[2] then return 0 end
        if redis.call('HGET', KEYS[2], 'status') ~= 'awaiting_input' then return 0 end
        redis.call('DEL', KEYS[3])
        redis.call('ZREM', KEYS[4], ARGV[2])
        redis.call('HDEL', KEYS[1], 'input')
        return 1
        """;

    /// <summary>
    /// KEYS: meta, record, lease. ARGV: instance, lease (ms), handed over only (1/0), not a waiting run (1/0). Takes over a run nobody holds: its
    /// lease lapsed (the owner died) or was handed over. Refused while any other instance holds the lease, so of
    /// instances racing for a run exactly one gets it; with 'handed over only', also refused unless the owner handed it
    /// over. With 'not a waiting run' (a takeover, not an engine's own claim), also refused when the run waits for its
    /// user at a review gate: it needs no owner until input arrives, and then the instance that got it claims it.
    /// Returns <c>{1, last}</c> claimed (this instance holds the lease and is the owner on record), <c>{2, last}</c>
    /// this instance held it already, <c>{0, 0}</c> refused, <c>{-1, 0}</c> no log or no record, <c>{-2, 0}</c> ended,
    /// <c>{-3, 0}</c> waits at a gate.
    /// </summary>
    public const string Claim = """
        local s = redis.call('HMGET', KEYS[1], 'last', 'terminal', 'handover')
        if not s[1] then return {-1, 0} end
        if s[2] then return {-2, 0} end
        if redis.call('EXISTS', KEYS[2]) == 0 then return {-1, 0} end
        local holder = redis.call('GET', KEYS[3])
        if holder == ARGV[1] then return {2, tonumber(s[1])} end
        if holder then return {0, 0} end
        if ARGV[4] == '1' and redis.call('HGET', KEYS[2], 'status') == 'awaiting_input' then return {-3, 0} end
        if ARGV[3] == '1' and not s[3] then return {0, 0} end
        redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[2])
        redis.call('HSET', KEYS[2], 'owner', ARGV[1])
        redis.call('HDEL', KEYS[1], 'handover', 'input')
        return {1, tonumber(s[1])}
        """;

    /// <summary>
    /// KEYS: meta, lease. ARGV: instance. The owner lets go of a run it stopped without ending it: deletes its lease and
    /// marks the run handed over, so another instance may claim it at once. Returns 1 handed over, 0 not held here.
    /// </summary>
    public const string HandOver = """
        if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
        local s = redis.call('HMGET', KEYS[1], 'last', 'terminal')
        if not s[1] or s[2] then return 0 end
        redis.call('DEL', KEYS[2])
        redis.call('HSET', KEYS[1], 'handover', 1)
        return 1
        """;

    /// <summary>
    /// KEYS: meta, events, lease, record, live index, then the user's index when the record has a user. ARGV: owner (''
    /// for none), lease (ms), last sequence, last frame ('' for none), created (Unix ms), generation id, the user index
    /// member ('' for none), then the record's field/value pairs (none when unknown).
    /// Recreates a generation that Redis lost (restarted without persistence) from what its writer kept: the sequence
    /// goes on where it was, the newest event stands for the lost history (a reader from before it gets it as a
    /// <c>replay: snapshot</c> event), and the record comes back when it was lost too. Returns 1 restored, 0 when it exists.
    /// </summary>
    public const string Restore = """
        if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
        redis.call('DEL', KEYS[2])
        if ARGV[4] ~= '' then
          redis.call('XADD', KEYS[2], string.format('%d-0', tonumber(ARGV[3])), 'f', ARGV[4])
          redis.call('HSET', KEYS[1], 'gap', ARGV[4])
        end
        redis.call('HSET', KEYS[1], 'last', ARGV[3], 'created', ARGV[5])
        if #ARGV > 7 and redis.call('EXISTS', KEYS[4]) == 0 then
          for i = 8, #ARGV, 2 do redis.call('HSET', KEYS[4], ARGV[i], ARGV[i + 1]) end
          redis.call('ZADD', KEYS[5], ARGV[5], ARGV[6])
          if KEYS[6] then redis.call('ZADD', KEYS[6], 0, ARGV[7]) end
        end
        if ARGV[1] ~= '' then
          if redis.call('EXISTS', KEYS[4]) == 1 then redis.call('HSET', KEYS[4], 'owner', ARGV[1]) end
          redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[2])
        end
        return 1
        """;

    /// <summary>
    /// KEYS: the user's day, unsettled reservations (hash), their times (sorted set). ARGV: generation id, tokens, tokens
    /// per day ('' for none), concurrent generations ('' for none), now (Unix ms), unsettled expiry (ms), day number,
    /// day time to live (ms), unsettled time to live (ms), prune before (Unix ms). Reserves a generation's tokens unless
    /// a limit refuses, in one step: read the day's tokens and the unsettled reservations younger than the expiry, check,
    /// write. A reservation asked again (unsettled, or settled that day) answers as the first time without counting
    /// twice. Returns <c>{reserved 1/0, refused by (0 none, 1 concurrency, 2 day), tokens used, unfinished}</c>, the
    /// counts without this reservation.
    /// </summary>
    public const string ReserveBudget = """
        local id = ARGV[1]
        local now = tonumber(ARGV[5])
        local since = now - tonumber(ARGV[6])
        local old = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[10], 'LIMIT', 0, 100)
        if #old > 0 then
          redis.call('HDEL', KEYS[2], unpack(old))
          redis.call('ZREM', KEYS[3], unpack(old))
        end
        local used = tonumber(redis.call('HGET', KEYS[1], 'used') or '0')
        local unfinished = redis.call('ZCOUNT', KEYS[3], '(' .. since, '+inf')
        local open = redis.call('HGET', KEYS[2], id)
        if open then
          local sep = string.find(open, '|', 1, true)
          local mine = 0
          if string.sub(open, 1, sep - 1) == ARGV[7] then mine = tonumber(string.sub(open, sep + 1)) end
          local at = tonumber(redis.call('ZSCORE', KEYS[3], id) or '0')
          local counted = 0
          if at > since then counted = 1 end
          return {1, 0, used - mine, unfinished - counted}
        end
        if redis.call('HEXISTS', KEYS[1], 'g:' .. id) == 1 then return {1, 0, used, unfinished} end
        if ARGV[4] ~= '' and unfinished >= tonumber(ARGV[4]) then return {0, 1, used, unfinished} end
        if ARGV[3] ~= '' and used + tonumber(ARGV[2]) > tonumber(ARGV[3]) then return {0, 2, used, unfinished} end
        redis.call('HINCRBY', KEYS[1], 'used', ARGV[2])
        redis.call('HSET', KEYS[1], 'g:' .. id, ARGV[2])
        redis.call('HSET', KEYS[2], id, ARGV[7] .. '|' .. ARGV[2])
        redis.call('ZADD', KEYS[3], now, id)
        redis.call('PEXPIRE', KEYS[1], ARGV[8])
        redis.call('PEXPIRE', KEYS[2], ARGV[9])
        redis.call('PEXPIRE', KEYS[3], ARGV[9])
        return {1, 0, used, unfinished}
        """;

    /// <summary>
    /// KEYS: the reservation's day, the user's unsettled reservations (hash), their times. ARGV: generation id, tokens
    /// used, the reservation as read (<c>{day}|{tokens}</c>). Replaces an unsettled reservation's tokens in its day with
    /// those used (never below 0) and stops counting it as unfinished, only while it is still the one read (two
    /// settlements racing: one applies). A day that expired meanwhile is not written again. Returns 1 settled, 0 not.
    /// </summary>
    public const string SettleBudget = """
        if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[3] then return 0 end
        redis.call('HDEL', KEYS[2], ARGV[1])
        redis.call('ZREM', KEYS[3], ARGV[1])
        if redis.call('EXISTS', KEYS[1]) == 1 then
          local sep = string.find(ARGV[3], '|', 1, true)
          local reserved = tonumber(string.sub(ARGV[3], sep + 1))
          local used = redis.call('HINCRBY', KEYS[1], 'used', tonumber(ARGV[2]) - reserved)
          if used < 0 then redis.call('HSET', KEYS[1], 'used', 0) end
          redis.call('HSET', KEYS[1], 'g:' .. ARGV[1], ARGV[2])
        end
        return 1
        """;
}
