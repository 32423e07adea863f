namespace Iteration.Streaming.Sqlite.Storage;

/// <summary>
/// The tables of a store file. The file is marked as ours with <c>PRAGMA application_id</c> and versioned with
/// <c>PRAGMA user_version</c>; a later schema adds a migration from each earlier version (<see cref="Migrations"/>).
/// </summary>
internal static class SqliteSchema
{
    /// <summary>"ISsq" in ASCII: tells a store file from any other SQLite database.</summary>
    public const int ApplicationId = 0x49537371;

    /// <summary>The schema version this code reads and writes.</summary>
    public const int Version = 5;

    /// <summary>
    /// Events are keyed by their log's integer id, never reused (AUTOINCREMENT), so a reader of a deleted log can never
    /// read a later log of the same generation id. A row keeps the ready SSE frame; <c>gap_*</c> holds the newest event
    /// dropped by retention right before it (served as a <c>replay: snapshot</c> event to a reader that fell into the gap).
    /// </summary>
    public const string Create = """
        CREATE TABLE logs (
            log_id INTEGER PRIMARY KEY AUTOINCREMENT,
            generation_id TEXT NOT NULL UNIQUE
        );
        CREATE TABLE events (
            log_id INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            essential INTEGER NOT NULL,
            frame BLOB NOT NULL,
            gap_seq INTEGER,
            gap_frame BLOB,
            PRIMARY KEY (log_id, seq)
        ) WITHOUT ROWID;
        CREATE INDEX events_ticks ON events (log_id, seq) WHERE essential = 0;
        CREATE TABLE records (
            generation_id TEXT NOT NULL PRIMARY KEY,
            parent_generation_id TEXT,
            retry_of TEXT,
            prompt TEXT NOT NULL,
            modification_prompt TEXT,
            entities TEXT NOT NULL,
            user_id TEXT,
            mode TEXT,
            plan TEXT,
            phases_saved INTEGER NOT NULL,
            attempts INTEGER NOT NULL,
            status TEXT NOT NULL,
            ended INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            ended_at INTEGER,
            interrupted_at INTEGER,
            owner TEXT,
            file_count INTEGER NOT NULL,
            total_bytes INTEGER NOT NULL,
            steering TEXT,
            steering_revision INTEGER NOT NULL DEFAULT 0,
            budget TEXT,
            usage TEXT,
            cost TEXT,
            stage TEXT,
            progress REAL NOT NULL DEFAULT 0,
            retry_at INTEGER,
            auto_retries INTEGER NOT NULL DEFAULT 0,
            created_ms INTEGER NOT NULL DEFAULT 0,
            forked_from TEXT,
            from_phase INTEGER,
            revert TEXT
        );
        CREATE INDEX records_unfinished ON records (created_at) WHERE ended = 0;
        CREATE INDEX records_ended ON records (ended_at) WHERE ended = 1;
        """ + OwnersAndBudgets + Checkpoints + IdempotencyKeys;

    /// <summary>
    /// The statements that bring a file of version <c>n</c> to version <c>n + 1</c>, at index <c>n - 1</c>; each runs in
    /// the same transaction as the <c>user_version</c> it sets, so a file is at one version or the next, never between.
    /// </summary>
    public static readonly IReadOnlyList<string> Migrations =
    [
        // 1 → 2: a record's review gates and the user's inputs (RunSteering, JSON) and their revision, compared by
        // TryUpdateSteeringAsync. Old rows have none: NULL and 0, as a record nobody steers.
        """
        ALTER TABLE records ADD COLUMN steering TEXT;
        ALTER TABLE records ADD COLUMN steering_revision INTEGER NOT NULL DEFAULT 0;
        """,

        // 2 → 3: a record's budget, usage, cost (JSON), stage, progress and automatic retries; its creation time in Unix
        // ms (the owner's list orders by it, to the millisecond: ticks / 10,000 less the epoch, exactly as
        // DateTimeOffset.ToUnixTimeMilliseconds), the owner index and the budget ledger's tables.
        """
        ALTER TABLE records ADD COLUMN budget TEXT;
        ALTER TABLE records ADD COLUMN usage TEXT;
        ALTER TABLE records ADD COLUMN cost TEXT;
        ALTER TABLE records ADD COLUMN stage TEXT;
        ALTER TABLE records ADD COLUMN progress REAL NOT NULL DEFAULT 0;
        ALTER TABLE records ADD COLUMN retry_at INTEGER;
        ALTER TABLE records ADD COLUMN auto_retries INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE records ADD COLUMN created_ms INTEGER NOT NULL DEFAULT 0;
        UPDATE records SET created_ms = created_at / 10000 - 62135596800000;
        """ + OwnersAndBudgets,

        // 3 → 4: a fork's source and kept phase, and a revert's target and paths (JSON). Old rows are neither: NULL.
        """
        ALTER TABLE records ADD COLUMN forked_from TEXT;
        ALTER TABLE records ADD COLUMN from_phase INTEGER;
        ALTER TABLE records ADD COLUMN revert TEXT;
        """,

        // 4 → 5: the live phase checkpoints (IPhaseCheckpointStore). New tables only; nothing there is changed.
        Checkpoints,
    ];

    /// <summary>
    /// Each generation's checkpoint of its phase in progress: the head (<c>checkpoints</c>: phase, attempt, current file,
    /// its text's length in UTF-16 code units, the generator's resume state, the sequence, the time in UTC ticks, the
    /// overflow marker, and the count of files, which orders them), the files finished so far (<c>checkpoint_files</c>,
    /// one row per path in first order) and the current file's text as the deltas written (<c>checkpoint_text</c>, one
    /// row per write, UTF-16LE at its offset), so a write adds what changed and never rewrites the text so far.
    /// </summary>
    private const string Checkpoints = """

        CREATE TABLE checkpoints (
            generation_id TEXT NOT NULL PRIMARY KEY,
            phase INTEGER NOT NULL,
            attempt INTEGER NOT NULL,
            current_file TEXT,
            text_length INTEGER NOT NULL,
            resume_state BLOB NOT NULL,
            sequence INTEGER NOT NULL,
            written_at INTEGER NOT NULL,
            overflowed INTEGER NOT NULL,
            file_count INTEGER NOT NULL
        );
        CREATE TABLE checkpoint_files (
            generation_id TEXT NOT NULL,
            path TEXT NOT NULL,
            ordinal INTEGER NOT NULL,
            is_delete INTEGER NOT NULL,
            written_by TEXT,
            content BLOB NOT NULL,
            PRIMARY KEY (generation_id, path)
        );
        CREATE TABLE checkpoint_text (
            generation_id TEXT NOT NULL,
            position INTEGER NOT NULL,
            text BLOB NOT NULL,
            PRIMARY KEY (generation_id, position)
        );
        """;

    /// <summary>
    /// The owner index (a user's records newest first: <c>ListByUserAsync</c> walks it backwards from a keyset position,
    /// so a page costs the same with 10 or 100,000 records) and the budget ledger: each owner's tokens per UTC day
    /// (<c>day</c> is <see cref="DateOnly.DayNumber"/>) and each generation's reservation (<c>reserved_at</c> in Unix ms),
    /// with the unsettled ones indexed for the concurrency count.
    /// </summary>
    private const string OwnersAndBudgets = """

        CREATE INDEX records_by_user ON records (user_id, created_ms, generation_id) WHERE user_id IS NOT NULL;
        CREATE TABLE budget_days (
            user_id TEXT NOT NULL,
            day INTEGER NOT NULL,
            used INTEGER NOT NULL,
            PRIMARY KEY (user_id, day)
        ) WITHOUT ROWID;
        CREATE TABLE budget_reservations (
            user_id TEXT NOT NULL,
            generation_id TEXT NOT NULL,
            day INTEGER NOT NULL,
            tokens INTEGER NOT NULL,
            reserved_at INTEGER NOT NULL,
            settled INTEGER NOT NULL,
            PRIMARY KEY (user_id, generation_id)
        ) WITHOUT ROWID;
        CREATE INDEX budget_unsettled ON budget_reservations (user_id, reserved_at) WHERE settled = 0;
        """;

    /// <summary>
    /// Claimed idempotency keys and retry slots (<c>expires_at</c> in Unix ms). <c>IF NOT EXISTS</c>: a file of an
    /// earlier version gets the table at its first use, without a new schema version.
    /// </summary>
    public const string IdempotencyKeys = """

        CREATE TABLE IF NOT EXISTS idempotency_keys (
            key TEXT NOT NULL PRIMARY KEY,
            fingerprint TEXT NOT NULL,
            result TEXT,
            expires_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS idempotency_keys_expiry ON idempotency_keys (expires_at);
        """;
}
