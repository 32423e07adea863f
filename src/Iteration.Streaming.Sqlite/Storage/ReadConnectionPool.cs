using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace Iteration.Streaming.Sqlite.Storage;

/// <summary>
/// Open query-only connections, handed to one reader at a time; at most <see cref="MaxConnections"/> at once, so a storm
/// of replays queues instead of opening a connection (and file handles) per watcher. In WAL mode readers never wait for
/// the writer; each connection keeps its prepared statements, so a replay read costs one step through the index.
/// </summary>
internal sealed class ReadConnectionPool(string connectionString, int busyTimeoutMilliseconds) : IDisposable
{
    public const int MaxConnections = 16;

    private readonly ConcurrentBag<ReadConnection> _idle = [];
    private readonly SemaphoreSlim _slots = new(MaxConnections, MaxConnections);
    private volatile bool _disposed;

    public async ValueTask<Lease> RentAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return new Lease(this, _idle.TryTake(out var connection) ? connection : Open());
        }
        catch
        {
            _slots.Release();
            throw;
        }
    }

    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out var connection))
        {
            connection.Dispose();
        }
    }

    private ReadConnection Open()
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            using var pragmas = connection.CreateCommand();
            pragmas.CommandText = $"PRAGMA query_only = 1; PRAGMA busy_timeout = {busyTimeoutMilliseconds};";
            pragmas.ExecuteNonQuery();
            return new ReadConnection(connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private void Return(ReadConnection connection)
    {
        if (_disposed)
        {
            connection.Dispose();
        }
        else
        {
            _idle.Add(connection);
            if (_disposed && _idle.TryTake(out var late))
            {
                late.Dispose();
            }
        }

        _slots.Release();
    }

    /// <summary>One rented connection; return it by disposing the lease.</summary>
    public readonly struct Lease(ReadConnectionPool pool, ReadConnection connection) : IDisposable
    {
        public SqliteCommand Command(string sql) => connection.Command(sql);

        public void Dispose() => pool.Return(connection);
    }

    internal sealed class ReadConnection(SqliteConnection connection) : IDisposable
    {
        private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

        public SqliteCommand Command(string sql)
        {
            if (!_commands.TryGetValue(sql, out var command))
            {
                command = connection.CreateCommand();
                command.CommandText = sql;
                _commands[sql] = command;
            }

            return command;
        }

        public void Dispose()
        {
            foreach (var command in _commands.Values)
            {
                command.Dispose();
            }

            connection.Dispose();
        }
    }
}
