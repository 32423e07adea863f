namespace Iteration.Streaming.Sqlite.EventLog;

/// <summary>The statements of the event log; the writer and each reader connection prepare each once.</summary>
internal static class EventLogSql
{
    public const string CreateLog = "INSERT INTO logs (generation_id) VALUES ($id) ON CONFLICT (generation_id) DO NOTHING RETURNING log_id;";

    public const string FindLog = "SELECT log_id FROM logs WHERE generation_id = $id;";

    public const string Newest = "SELECT seq, frame FROM events WHERE log_id = $log ORDER BY seq DESC LIMIT 1;";

    public const string Count = "SELECT count(*) FROM events WHERE log_id = $log;";

    public const string Insert = "INSERT INTO events (log_id, seq, essential, frame) VALUES ($log, $seq, $essential, $frame);";

    public const string ReadAfter = "SELECT seq, frame, gap_seq, gap_frame FROM events WHERE log_id = $log AND seq > $after ORDER BY seq LIMIT $limit;";

    /// <summary>The oldest progress tick (through the partial index), never the newest event.</summary>
    public const string OldestTick = "SELECT seq FROM events WHERE log_id = $log AND essential = 0 AND seq < $newest ORDER BY seq LIMIT 1;";

    public const string OldestEvent = "SELECT seq FROM events WHERE log_id = $log AND seq < $newest ORDER BY seq LIMIT 1;";

    /// <summary>Moves the evicted event into the next kept row as its gap snapshot, then drops it.</summary>
    public const string Evict = """
        UPDATE events SET gap_seq = $victim, gap_frame = (SELECT frame FROM events WHERE log_id = $log AND seq = $victim)
        WHERE log_id = $log
          AND seq = (SELECT seq FROM events WHERE log_id = $log AND seq > $victim ORDER BY seq LIMIT 1)
          AND (gap_seq IS NULL OR gap_seq < $victim);
        DELETE FROM events WHERE log_id = $log AND seq = $victim;
        """;

    public const string DeleteLog = "DELETE FROM events WHERE log_id = $log; DELETE FROM logs WHERE log_id = $log;";
}
