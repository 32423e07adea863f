namespace Iteration.Streaming.Sqlite.Hosting;

/// <summary>
/// Options of the SQLite store (<c>AddSqliteStore</c>), bound from <c>IterationStreaming:Sqlite</c> and validated when the
/// host starts. Retention (how many events a generation keeps) comes from <c>IterationStreamingOptions</c>, as for the
/// in-memory log.
/// </summary>
public sealed class SqliteStoreOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "IterationStreaming:Sqlite";

    /// <summary>
    /// The database file, for example <c>data/iteration-streaming.db</c>; a relative path is resolved against the current
    /// directory. The file and its folder are created when missing. One host uses a file at a time: a second one is refused.
    /// </summary>
    public string? Path { get; set; }

    /// <summary>
    /// How long an operation waits for a lock on the file held by another connection (a backup tool, the <c>sqlite3</c>
    /// shell) before it fails. Default 5 seconds.
    /// </summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The most writes (events, record changes) one transaction commits. Concurrent writes are queued and committed
    /// together, so a busy host makes one disk flush for many events. Default 1,024.
    /// </summary>
    public int MaxBatchSize { get; set; } = 1_024;

    /// <summary>
    /// Whether every commit is flushed to the disk before its events are shown (SQLite <c>synchronous = FULL</c>), so a
    /// committed event survives a power loss or an OS crash as well as a killed process. When <see langword="false"/>
    /// (<c>synchronous = NORMAL</c>), committed events still survive a killed or crashed process, but a power loss may take
    /// back the last commits, whose events watchers may have seen; in exchange an event is shown without waiting for the
    /// disk (microseconds instead of a flush, several milliseconds on many disks). Group commit shares one flush among
    /// all the events queued meanwhile. Default <see langword="true"/>.
    /// </summary>
    public bool FlushCommitsToDisk { get; set; } = true;

    /// <summary>
    /// How many of the newest events of each running generation are kept in memory for live watchers; a watcher further
    /// behind (a replay, a reconnect after a while) reads from the file. Default 256.
    /// </summary>
    public int LiveWindowSize { get; set; } = 256;
}
