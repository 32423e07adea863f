using Iteration.Streaming.Sqlite.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.Sqlite.Storage;

/// <summary>
/// Copies the write-ahead log back into the database file on a thread and connection of its own (a <c>PASSIVE</c>
/// checkpoint, which never blocks the writer or a reader), so the writer's commits do not wait for it.
/// </summary>
/// <remarks>
/// <para>
/// Left to SQLite, the connection that commits runs the checkpoint inside that commit once the log holds 1,000 pages:
/// with thousands of generations appending at once that was every commit, and it cost the writer as much as the commit
/// itself (<c>benchmarks/README.md</c>, "Durable at in-memory speed"). Here the writer asks for a checkpoint after every
/// <see cref="WritesPerCheckpoint"/> writes (an event dirties at most a page or two), and copying a page changed by many
/// commits once is cheaper than once per commit.
/// </para>
/// <para>
/// Durability does not depend on it: a committed write is in the log, flushed as the store's sync setting says, before it
/// is published. Should the checkpointer fail or fall behind, the writer's own automatic checkpoint (at
/// <see cref="WriterCheckpointPages"/> pages) bounds the log.
/// </para>
/// </remarks>
internal sealed class WalCheckpointer : IDisposable
{
    /// <summary>How many committed writes make the writer ask for a checkpoint.</summary>
    internal const int WritesPerCheckpoint = 2_048;

    /// <summary>The size of the log (pages of 4 KiB) at which the writer checkpoints inside its commit, as a safety net.</summary>
    internal const int WriterCheckpointPages = 16_384;

    private readonly object _gate = new();
    private readonly SqliteConnection _connection;
    private readonly string _path;
    private readonly ILogger _logger;
    private readonly Thread _thread;
    private long _writesSinceRequest;
    private long _checkpoints;
    private bool _requested;
    private bool _closed;

    /// <param name="connectionString">A read-write connection to the store file.</param>
    /// <param name="path">The file, for messages.</param>
    /// <param name="logger">The store's logger.</param>
    public WalCheckpointer(string connectionString, string path, ILogger logger)
    {
        _connection = new SqliteConnection(connectionString);
        _connection.Open();
        _path = path;
        _logger = logger;
        _thread = new Thread(Loop) { IsBackground = true, Name = "Iteration.Streaming.Sqlite checkpointer" };
        _thread.Start();
    }

    /// <summary>How many background checkpoints ran so far.</summary>
    internal long Checkpoints => Interlocked.Read(ref _checkpoints);

    /// <summary>Raised on the checkpointer's thread after each background checkpoint (tests wait on it).</summary>
    internal event Action? Checkpointed;

    /// <summary>The writer committed <paramref name="writes"/> writes (called by the writer thread only).</summary>
    public void Committed(int writes)
    {
        _writesSinceRequest += writes;
        if (_writesSinceRequest < WritesPerCheckpoint)
        {
            return;
        }

        _writesSinceRequest = 0;
        lock (_gate)
        {
            _requested = true;
            Monitor.Pulse(_gate);
        }
    }

    /// <summary>Stops the thread (after a checkpoint under way) and closes its connection.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            Monitor.Pulse(_gate);
        }

        _thread.Join();
        _connection.Dispose();
    }

    private void Loop()
    {
        using var checkpoint = _connection.CreateCommand();
        checkpoint.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
        while (true)
        {
            lock (_gate)
            {
                while (!_requested && !_closed)
                {
                    Monitor.Wait(_gate);
                }

                if (_closed)
                {
                    return;
                }

                _requested = false;
            }

            try
            {
                // A row of (busy, pages in the log, pages copied); busy only when another checkpoint runs at that moment.
                checkpoint.ExecuteNonQuery();
                Interlocked.Increment(ref _checkpoints);
                Checkpointed?.Invoke();
            }
            catch (SqliteException ex)
            {
                Log.CheckpointFailed(_logger, _path, WriterCheckpointPages, ex);
            }
        }
    }
}
