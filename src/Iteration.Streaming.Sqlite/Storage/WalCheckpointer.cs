using Iteration.Streaming.Sqlite.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.Sqlite.Storage;

/// <summary>
/// Moves the write-ahead log into the database file off the writer's path. SQLite's automatic checkpoint runs inside the
/// commit that crosses its threshold, so one batch in a thousand pages would wait for the copy and its flush; the writer
/// turns it off (<c>wal_autocheckpoint = 0</c>) and asks this thread for a <c>PASSIVE</c> checkpoint after every
/// <see cref="OperationsPerCheckpoint"/> writes. A passive checkpoint never blocks the writer or a reader; what it cannot
/// copy yet (a reader still needs it) is copied by the next one.
/// </summary>
internal sealed class WalCheckpointer : IDisposable
{
    /// <summary>Writes (events, records) between checkpoints: about SQLite's own default of 1,000 pages.</summary>
    public const int OperationsPerCheckpoint = 2_048;

    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _checkpoint;
    private readonly string _path;
    private readonly ILogger _logger;
    private readonly AutoResetEvent _due = new(initialState: false);
    private readonly Thread _thread;
    private TaskCompletionSource _checkpointed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _sinceLast;
    private long _checkpoints;
    private volatile bool _stopping;

    public WalCheckpointer(SqliteConnection connection, string path, ILogger logger)
    {
        _connection = connection;
        _path = path;
        _logger = logger;
        _checkpoint = connection.CreateCommand();
        _checkpoint.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
        _thread = new Thread(Loop) { IsBackground = true, Name = "Iteration.Streaming.Sqlite checkpointer" };
        _thread.Start();
    }

    /// <summary>How many checkpoints ran (tests).</summary>
    internal long Checkpoints => Interlocked.Read(ref _checkpoints);

    /// <summary>Completes when the next checkpoint has run (tests).</summary>
    internal Task NextCheckpoint => Volatile.Read(ref _checkpointed).Task;

    /// <summary>Counts committed writes; past <see cref="OperationsPerCheckpoint"/> wakes the checkpoint thread.</summary>
    public void Committed(int operations)
    {
        if (Interlocked.Add(ref _sinceLast, operations) >= OperationsPerCheckpoint)
        {
            Interlocked.Exchange(ref _sinceLast, 0);
            _due.Set();
        }
    }

    public void Dispose()
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        _due.Set();
        _thread.Join();
        _checkpoint.Dispose();
        _connection.Dispose();
        _due.Dispose();
    }

    private void Loop()
    {
        while (true)
        {
            _due.WaitOne();
            if (_stopping)
            {
                return;
            }

            try
            {
                _checkpoint.ExecuteNonQuery();
                Interlocked.Increment(ref _checkpoints);
                Interlocked.Exchange(ref _checkpointed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            }
            catch (SqliteException ex)
            {
                // Busy or a transient I/O error: the log stays in the WAL file, and the next checkpoint copies it.
                Log.CheckpointFailed(_logger, _path, ex);
            }
        }
    }
}
