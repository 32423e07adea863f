using System.Globalization;
using Iteration.Streaming.Sqlite.Diagnostics;
using Iteration.Streaming.Sqlite.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Iteration.Streaming.Sqlite.Storage;

/// <summary>
/// One open store file: its lock, its writer (<see cref="GroupCommitWriter"/>) and its readers. Opening checks the file
/// (ours, not damaged, writable, not in use by another host) and creates the schema in a new file, so every problem
/// shows when the host starts, with the file and the setting named.
/// </summary>
/// <remarks>
/// Durability: WAL with <c>synchronous = FULL</c> by default (<see cref="SqliteStoreOptions.FlushCommitsToDisk"/>), so
/// each commit flushes the WAL to disk before any of its events is published: a committed event survives a killed
/// process and also a power loss or an OS crash (on a disk that honours flushes). <c>NORMAL</c> survives a killed process
/// too (the WAL is written to the OS before the commit returns), but a power loss could take back the last commits, whose
/// events watchers may have seen. Group commit makes the flush per batch, not per event, so FULL costs throughput little;
/// it does add a flush to every event's latency.
/// </remarks>
internal sealed class SqliteStore : IDisposable
{
    private readonly FileStream _lockFile;
    private int _disposed;

    private readonly WalCheckpointer _checkpointer;

    private SqliteStore(string path, SqliteStoreOptions options, FileStream lockFile, GroupCommitWriter writer, ReadConnectionPool readers, WalCheckpointer checkpointer)
    {
        _checkpointer = checkpointer;
        Path = path;
        Options = options;
        _lockFile = lockFile;
        Writer = writer;
        Readers = readers;
    }

    /// <summary>The full path of the database file.</summary>
    public string Path { get; }

    public SqliteStoreOptions Options { get; }

    public GroupCommitWriter Writer { get; }

    public ReadConnectionPool Readers { get; }

    /// <summary>Checkpoints the write-ahead log off the writer's thread.</summary>
    internal WalCheckpointer Checkpointer => _checkpointer;

    /// <summary>Opens (or creates) the store file named by <paramref name="options"/>.</summary>
    /// <exception cref="InvalidOperationException">The file cannot be used; the message names it and the setting.</exception>
    public static SqliteStore Open(SqliteStoreOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var logger = loggerFactory?.CreateLogger<SqliteStore>() ?? (ILogger)NullLogger.Instance;
        var path = FullPath(options.Path);
        var lockFile = StoreFileLock.Acquire(path);
        SqliteConnection? connection = null;
        WalCheckpointer? checkpointer = null;
        try
        {
            var busyMilliseconds = (int)Math.Min(int.MaxValue, options.BusyTimeout.TotalMilliseconds);
            connection = new SqliteConnection(ConnectionString(path, SqliteOpenMode.ReadWriteCreate, options.BusyTimeout));
            try
            {
                connection.Open();
                Prepare(connection, path, busyMilliseconds, options.FlushCommitsToDisk, logger);
            }
            catch (SqliteException ex)
            {
                throw StoreFailures.OpenFailed(path, options.BusyTimeout, ex);
            }

            var readers = new ReadConnectionPool(ConnectionString(path, SqliteOpenMode.ReadWrite, options.BusyTimeout), busyMilliseconds);
            checkpointer = new WalCheckpointer(ConnectionString(path, SqliteOpenMode.ReadWrite, options.BusyTimeout), path, logger);
            var writer = new GroupCommitWriter(connection, path, options.MaxBatchSize, logger, options.FlushCommitsToDisk, checkpointer);
            Log.Opened(logger, path, SqliteSchema.Version);
            return new SqliteStore(path, options, lockFile, writer, readers, checkpointer);
        }
        catch
        {
            checkpointer?.Dispose();
            connection?.Dispose();
            lockFile.Dispose();
            throw;
        }
    }

    /// <summary>Commits every queued write, then closes the file and releases it for another host.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Writer.Dispose();
        _checkpointer.Dispose();
        Readers.Dispose();
        _lockFile.Dispose();
    }

    private static string FullPath(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new InvalidOperationException($"{StoreFailures.PathKey} must name the database file, for example 'data/iteration-streaming.db'.");
        }

        try
        {
            return System.IO.Path.GetFullPath(path);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new InvalidOperationException($"{StoreFailures.PathKey} is not a valid file path: '{path}'.", ex);
        }
    }

    private static string ConnectionString(string path, SqliteOpenMode mode, TimeSpan busyTimeout) => new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = mode,
        Cache = SqliteCacheMode.Private,
        Pooling = false,

        // Microsoft.Data.Sqlite retries a busy command for this many seconds (0 would mean forever).
        DefaultTimeout = (int)Math.Max(1, Math.Ceiling(busyTimeout.TotalSeconds)),
    }.ToString();

    private static void Prepare(SqliteConnection connection, string path, int busyMilliseconds, bool flushCommits, ILogger logger)
    {
        Execute(connection, string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {busyMilliseconds};"));

        // The first read of the file: a file that is not SQLite fails here.
        var applicationId = Scalar<long>(connection, "PRAGMA application_id;");
        var version = Scalar<long>(connection, "PRAGMA user_version;");
        var objects = Scalar<long>(connection, "SELECT count(*) FROM sqlite_master;");

        if (applicationId == 0 && version == 0 && objects == 0)
        {
            SwitchToWal(connection, path);
            Execute(connection, "BEGIN IMMEDIATE;");
            Execute(connection, SqliteSchema.Create);
            Execute(connection, string.Create(CultureInfo.InvariantCulture, $"PRAGMA application_id = {SqliteSchema.ApplicationId}; PRAGMA user_version = {SqliteSchema.Version};"));
            Execute(connection, "COMMIT;");
        }
        else if (applicationId != SqliteSchema.ApplicationId)
        {
            throw new InvalidOperationException(
                $"The SQLite database '{path}' ({StoreFailures.PathKey}) belongs to another application: it holds tables but not the Iteration.Streaming store schema. "
                + $"Point {StoreFailures.PathKey} at a file of its own.");
        }
        else if (version > SqliteSchema.Version)
        {
            throw new InvalidOperationException(
                $"The SQLite store '{path}' ({StoreFailures.PathKey}) has schema version {version}, written by a newer Iteration.Streaming.Sqlite; "
                + $"this version reads version {SqliteSchema.Version}. Upgrade the package, or point {StoreFailures.PathKey} at another file.");
        }
        else if (version < 1)
        {
            throw StoreFailures.Damaged(path, "it is marked as a store but has no schema version");
        }
        else
        {
            SwitchToWal(connection, path);
            var check = Scalar<string>(connection, "PRAGMA quick_check;");
            if (!string.Equals(check, "ok", StringComparison.Ordinal))
            {
                throw StoreFailures.Damaged(path, check ?? "the integrity check gave no answer");
            }

            // Takes the write lock once, so a file held by another writer fails now rather than at the first event;
            // a file of an earlier version is upgraded in that same transaction (a failed upgrade is rolled back when
            // Open disposes the connection, and the file stays at its version).
            Execute(connection, "BEGIN IMMEDIATE;");
            Migrate(connection, path, (int)version);
            Execute(connection, "COMMIT;");

            if (version < SqliteSchema.Version)
            {
                Log.Upgraded(logger, path, (int)version, SqliteSchema.Version);
            }
        }

        Execute(connection, flushCommits ? "PRAGMA synchronous = FULL;" : "PRAGMA synchronous = NORMAL;");
        Execute(connection, "PRAGMA journal_size_limit = 67108864;");

        // The writer's page cache: the last page of every live log stays in memory (2 MiB, the default, holds ~500 pages,
        // so thousands of generations appending at once made each insert read its page back from the file).
        Execute(connection, "PRAGMA cache_size = -65536;");

        // The log is checkpointed in the background (WalCheckpointer); the writer does it itself only past this size.
        Execute(connection, string.Create(CultureInfo.InvariantCulture, $"PRAGMA wal_autocheckpoint = {WalCheckpointer.WriterCheckpointPages};"));
    }

    /// <summary>
    /// Runs the migrations from <paramref name="version"/> to <see cref="SqliteSchema.Version"/>, inside the caller's
    /// transaction. A file or disk failure keeps its own message (<see cref="StoreFailures.OpenFailed"/>); a statement the
    /// file refuses (its tables are not what that version had) is named as a failed upgrade.
    /// </summary>
    private static void Migrate(SqliteConnection connection, string path, int version)
    {
        if (version >= SqliteSchema.Version)
        {
            return;
        }

        try
        {
            for (var from = version; from < SqliteSchema.Version; from++)
            {
                Execute(connection, SqliteSchema.Migrations[from - 1]);
            }

            Execute(connection, string.Create(CultureInfo.InvariantCulture, $"PRAGMA user_version = {SqliteSchema.Version};"));
        }
        catch (SqliteException ex) when (!StoreFailures.IsStorageFailure(ex))
        {
            throw StoreFailures.UpgradeFailed(path, version, SqliteSchema.Version, ex);
        }
    }

    private static void SwitchToWal(SqliteConnection connection, string path)
    {
        var mode = Scalar<string>(connection, "PRAGMA journal_mode = WAL;");
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                $"The SQLite store '{path}' ({StoreFailures.PathKey}) could not use write-ahead logging (journal mode '{mode}'); "
                + "its folder must be on a local file system that supports shared memory.");
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static T? Scalar<T>(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        var value = command.ExecuteScalar();
        return value is null or DBNull ? default : (T)Convert.ChangeType(value, typeof(T), CultureInfo.InvariantCulture);
    }
}
