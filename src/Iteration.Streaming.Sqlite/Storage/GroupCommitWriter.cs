using System.Diagnostics;
using Iteration.Streaming.Sqlite.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.Sqlite.Storage;

/// <summary>
/// The store's one writer: a thread that takes every write queued since its last commit (up to a batch size), runs them
/// in one transaction, commits (one disk flush for the lot), then publishes them and completes their callers. Writes
/// queued while a commit is under way form the next batch, so the busier the host, the more each flush carries.
/// </summary>
/// <remarks>
/// A batch that fails on the file or the disk fails every write in it, and none of them is published. A batch that fails
/// on one write's own error (a value SQLite refuses) is run again write by write, so only that write fails.
/// Nothing is published before its commit returned: whatever a watcher sees is on disk.
/// </remarks>
internal sealed class GroupCommitWriter : IDisposable
{
    private readonly object _queueGate = new();
    private readonly Queue<WriteOperation> _queue = new();
    private readonly SqliteConnection _connection;
    private readonly WriteBatch _batch;
    private readonly SqliteCommand _begin;
    private readonly SqliteCommand _commit;
    private readonly SqliteCommand _rollback;
    private readonly SqliteCommand? _flushOn;
    private readonly SqliteCommand? _flushOff;
    private bool _flushing = true;
    private readonly int _maxBatchSize;
    private readonly string _path;
    private readonly ILogger _logger;
    private readonly Thread _thread;
    private readonly WalCheckpointer? _checkpointer;
    private bool _closed;
    private bool _waiting;
    private bool _disposed;
    private long _committedBatches;
    private long _committedOperations;
    private long _executeTicks;
    private long _commitTicks;
    private long _publishTicks;

    /// <param name="connection">The writer's connection.</param>
    /// <param name="path">The file, for messages.</param>
    /// <param name="maxBatchSize">The most writes one transaction commits.</param>
    /// <param name="logger">The store's logger.</param>
    /// <param name="flushesCommits">
    /// Whether the connection runs with <c>synchronous = FULL</c>: then a batch whose writes need no flush of their own
    /// (<see cref="WriteOperation.NeedsFlush"/>) is committed with <c>NORMAL</c>, and the next batch switches back.
    /// </param>
    /// <param name="checkpointer">Told of every commit, to checkpoint the log off this thread (none: SQLite's own, in the commit).</param>
    public GroupCommitWriter(SqliteConnection connection, string path, int maxBatchSize, ILogger logger, bool flushesCommits = false, WalCheckpointer? checkpointer = null)
    {
        _checkpointer = checkpointer;
        _connection = connection;
        _path = path;
        _maxBatchSize = maxBatchSize;
        _logger = logger;
        _batch = new WriteBatch(connection);
        _begin = _batch.Command("BEGIN IMMEDIATE");
        _commit = _batch.Command("COMMIT");
        _rollback = _batch.Command("ROLLBACK");
        if (flushesCommits)
        {
            _flushOn = _batch.Command("PRAGMA synchronous = FULL");
            _flushOff = _batch.Command("PRAGMA synchronous = NORMAL");
        }

        _thread = new Thread(Loop) { IsBackground = true, Name = "Iteration.Streaming.Sqlite writer" };
        _thread.Start();
    }

    /// <summary>
    /// Held from a commit until its writes are published, so that state loaded from the file under it is never ahead of
    /// or behind what is published in memory.
    /// </summary>
    public Lock CommitGate { get; } = new();

    /// <summary>Queues a write; the writer picks it up with the next batch.</summary>
    /// <exception cref="ObjectDisposedException">The store is closed.</exception>
    public void Enqueue(WriteOperation operation)
    {
        lock (_queueGate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            _queue.Enqueue(operation);
            if (_waiting)
            {
                _waiting = false;
                Monitor.Pulse(_queueGate);
            }
        }
    }

    /// <summary>How many transactions were committed so far.</summary>
    internal long CommittedBatches => Interlocked.Read(ref _committedBatches);

    /// <summary>
    /// Where the writer's time went so far (<see cref="System.Diagnostics.Stopwatch"/> ticks): running the statements,
    /// the commit (with its flush), and publishing and completing the writes. For profiling (the load test reads it).
    /// </summary>
    internal WriterTimes Times => new(
        Interlocked.Read(ref _committedBatches),
        Interlocked.Read(ref _committedOperations),
        Interlocked.Read(ref _executeTicks),
        Interlocked.Read(ref _commitTicks),
        Interlocked.Read(ref _publishTicks));

    /// <summary>Runs <paramref name="action"/> on the writer's connection, inside a batch (maintenance, tests).</summary>
    internal Task RunAsync(Action<SqliteConnection> action)
    {
        var operation = new DelegateOperation(action);
        Enqueue(operation);
        return operation.Task;
    }

    /// <summary>Commits what is queued, then stops the writer and closes its connection.</summary>
    public void Dispose()
    {
        lock (_queueGate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _closed = true;
            Monitor.Pulse(_queueGate);
        }

        _thread.Join();
        _batch.Dispose();
        _connection.Dispose();
    }

    private void Loop()
    {
        var operations = new List<WriteOperation>(Math.Min(_maxBatchSize, 4_096));
        while (true)
        {
            lock (_queueGate)
            {
                while (_queue.Count == 0 && !_closed)
                {
                    _waiting = true;
                    Monitor.Wait(_queueGate);
                }

                _waiting = false;
                if (_queue.Count == 0)
                {
                    return;
                }

                while (_queue.Count > 0 && operations.Count < _maxBatchSize)
                {
                    operations.Add(_queue.Dequeue());
                }
            }

            try
            {
                Run(operations);
            }
            catch (Exception ex)
            {
                // A fault after the commit (publishing) must not end the writer: its callers still get an answer.
                Log.WriterFault(_logger, _path, ex);
                foreach (var operation in operations)
                {
                    operation.Fail(StoreFailures.WriteFailed(_path, operation.Describe(), ex));
                }
            }

            operations.Clear();
        }
    }

    private void Run(List<WriteOperation> operations)
    {
        _batch.Begin();
        var committed = false;
        var started = Stopwatch.GetTimestamp();
        long committing = 0;
        long publishing = 0;
        try
        {
            SetFlushing(operations);
            _begin.ExecuteNonQuery();
            foreach (var operation in operations)
            {
                operation.Execute(_batch);
            }

            using (CommitGate.EnterScope())
            {
                committing = Stopwatch.GetTimestamp();
                _commit.ExecuteNonQuery();
                committed = true;
                publishing = Stopwatch.GetTimestamp();
                Interlocked.Increment(ref _committedBatches);
                foreach (var operation in operations)
                {
                    operation.Publish();
                }
            }
        }
        catch (Exception ex) when (!committed)
        {
            RollBack();
            _batch.RolledBack();
            if (operations.Count > 1 && !StoreFailures.IsStorageFailure(ex))
            {
                foreach (var operation in operations)
                {
                    Run([operation]);
                }

                return;
            }

            Log.BatchFailed(_logger, _path, operations.Count, ex);
            foreach (var operation in operations)
            {
                operation.Fail(ex is SqliteException or IOException
                    ? StoreFailures.WriteFailed(_path, operation.Describe(), ex)
                    : ex);
            }

            return;
        }

        _batch.Committed();
        foreach (var operation in operations)
        {
            operation.Complete();
        }

        _checkpointer?.Committed(operations.Count);
        var ended = Stopwatch.GetTimestamp();
        Interlocked.Add(ref _committedOperations, operations.Count);
        Interlocked.Add(ref _executeTicks, committing - started);
        Interlocked.Add(ref _commitTicks, publishing - committing);
        Interlocked.Add(ref _publishTicks, ended - publishing);
    }

    /// <summary>Outside any transaction: FULL when a write of the batch needs its flush, else NORMAL (only when it changes).</summary>
    private void SetFlushing(List<WriteOperation> operations)
    {
        if (_flushOn is null)
        {
            return;
        }

        var flush = false;
        foreach (var operation in operations)
        {
            if (operation.NeedsFlush)
            {
                flush = true;
                break;
            }
        }

        if (flush != _flushing)
        {
            (flush ? _flushOn : _flushOff!).ExecuteNonQuery();
            _flushing = flush;
        }
    }

    private void RollBack()
    {
        try
        {
            _rollback.ExecuteNonQuery();
        }
        catch (SqliteException)
        {
            // No transaction is open: BEGIN failed, or SQLite rolled back by itself (it does on a full disk).
        }
    }

    private sealed class DelegateOperation(Action<SqliteConnection> action) : WriteOperation<bool>
    {
        public override string Describe() => "a maintenance statement";

        protected override void Run(WriteBatch batch)
        {
            action(batch.Connection);
            SetResult(true);
        }
    }

    /// <summary>The writer's counters: batches and writes committed, and the ticks spent in each stage.</summary>
    internal readonly record struct WriterTimes(long Batches, long Operations, long ExecuteTicks, long CommitTicks, long PublishTicks);
}
