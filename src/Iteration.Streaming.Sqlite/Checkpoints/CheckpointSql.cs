namespace Iteration.Streaming.Sqlite.Checkpoints;

/// <summary>The statements of the phase checkpoints (<c>checkpoints</c>, <c>checkpoint_files</c>, <c>checkpoint_text</c>).</summary>
internal static class CheckpointSql
{
    public const string GetHead = """
        SELECT phase, attempt, current_file, text_length, resume_state, sequence, written_at, overflowed, file_count
        FROM checkpoints WHERE generation_id = $id;
        """;

    /// <summary>What a write needs of the stored checkpoint: its phase, current file, text length and next file ordinal.</summary>
    public const string GetWriteState = "SELECT phase, current_file, text_length, file_count FROM checkpoints WHERE generation_id = $id;";

    public const string PutHead = """
        INSERT INTO checkpoints (generation_id, phase, attempt, current_file, text_length, resume_state, sequence, written_at, overflowed, file_count)
        VALUES ($id, $phase, $attempt, $current_file, $text_length, coalesce($resume_state, x''), $sequence, $written_at, $overflowed, $file_count)
        ON CONFLICT (generation_id) DO UPDATE SET
            phase = excluded.phase,
            attempt = excluded.attempt,
            current_file = excluded.current_file,
            text_length = excluded.text_length,
            resume_state = coalesce($resume_state, resume_state),
            sequence = excluded.sequence,
            written_at = excluded.written_at,
            overflowed = excluded.overflowed,
            file_count = excluded.file_count;
        """;

    /// <summary>A finished file: added after the others, or replacing its earlier version in its first place.</summary>
    public const string PutFile = """
        INSERT INTO checkpoint_files (generation_id, path, ordinal, is_delete, written_by, content)
        VALUES ($id, $path, $ordinal, $is_delete, $written_by, $content)
        ON CONFLICT (generation_id, path) DO UPDATE SET
            is_delete = excluded.is_delete,
            written_by = excluded.written_by,
            content = excluded.content;
        """;

    public const string GetFiles = """
        SELECT path, is_delete, written_by, content FROM checkpoint_files WHERE generation_id = $id ORDER BY ordinal;
        """;

    /// <summary>One delta of the current file's text (UTF-16LE), at its offset in UTF-16 code units.</summary>
    public const string AddText = "INSERT INTO checkpoint_text (generation_id, position, text) VALUES ($id, $position, $text);";

    public const string GetText = "SELECT position, text FROM checkpoint_text WHERE generation_id = $id ORDER BY position;";

    public const string DeleteText = "DELETE FROM checkpoint_text WHERE generation_id = $id;";

    public const string Delete = """
        DELETE FROM checkpoints WHERE generation_id = $id;
        DELETE FROM checkpoint_files WHERE generation_id = $id;
        DELETE FROM checkpoint_text WHERE generation_id = $id;
        """;

    public const string BeginRead = "BEGIN DEFERRED;";

    public const string EndRead = "COMMIT;";
}
