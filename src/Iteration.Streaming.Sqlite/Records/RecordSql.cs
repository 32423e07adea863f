namespace Iteration.Streaming.Sqlite.Records;

/// <summary>The statements of the record store.</summary>
internal static class RecordSql
{
    private const string Columns = """
        generation_id, parent_generation_id, retry_of, prompt, modification_prompt, entities, user_id, mode, plan,
        phases_saved, attempts, status, ended, created_at, ended_at, interrupted_at, owner, file_count, total_bytes,
        steering, steering_revision, budget, usage, cost, stage, progress, retry_at, auto_retries, forked_from, from_phase, revert
        """;

    public const string Insert = $"""
        INSERT INTO records ({Columns}, created_ms)
        VALUES ($id, $parent, $retry_of, $prompt, $modification_prompt, $entities, $user_id, $mode, $plan,
                $phases_saved, $attempts, $status, $ended, $created_at, $ended_at, $interrupted_at, $owner, $file_count, $total_bytes,
                $steering, $steering_revision, $budget, $usage, $cost, $stage, $progress, $retry_at, $auto_retries, $forked_from, $from_phase, $revert, $created_ms)
        ON CONFLICT (generation_id) DO NOTHING;
        """;

    private const string Set = """
        UPDATE records SET plan = $plan, phases_saved = $phases_saved, attempts = $attempts, status = $status, ended = $ended,
            ended_at = $ended_at, interrupted_at = $interrupted_at, owner = $owner, file_count = $file_count, total_bytes = $total_bytes,
            steering = $steering, steering_revision = $steering_revision, budget = $budget, usage = $usage, cost = $cost,
            stage = $stage, progress = $progress, retry_at = $retry_at, auto_retries = $auto_retries
        """;

    public const string Update = $"{Set} WHERE generation_id = $id;";

    /// <summary>Changes a record only while its steering is at <c>$expected_revision</c>.</summary>
    public const string UpdateAtRevision = $"{Set} WHERE generation_id = $id AND steering_revision = $expected_revision;";

    public const string Get = $"SELECT {Columns} FROM records WHERE generation_id = $id;";

    public const string ListUnfinished = $"SELECT {Columns} FROM records WHERE ended = 0 ORDER BY created_at, rowid;";

    public const string ListEnded = $"SELECT {Columns} FROM records WHERE ended = 1 ORDER BY ended_at, rowid;";

    /// <summary>
    /// A user's newest records (<c>records_by_user</c>, walked backwards), with an optional exact status checked as the
    /// index is walked; <c>$limit</c> is one more than the page, to know whether another page follows.
    /// </summary>
    public const string ListByUser = $"""
        SELECT {Columns} FROM records
        WHERE user_id = $user_id AND ($status IS NULL OR status = $status)
        ORDER BY created_ms DESC, generation_id DESC LIMIT $limit;
        """;

    /// <summary>As <see cref="ListByUser"/>, strictly after the position (<c>$after_ms</c>, <c>$after_id</c>) in that order.</summary>
    public const string ListByUserAfter = $"""
        SELECT {Columns} FROM records
        WHERE user_id = $user_id AND (created_ms, generation_id) < ($after_ms, $after_id) AND ($status IS NULL OR status = $status)
        ORDER BY created_ms DESC, generation_id DESC LIMIT $limit;
        """;

    public const string Delete = "DELETE FROM records WHERE generation_id = $id;";
}
