using Iteration.Streaming.Hosting;
using Iteration.Streaming.Sqlite.EventLog;
using Iteration.Streaming.Sqlite.Hosting;
using Iteration.Streaming.Sqlite.Records;
using Iteration.Streaming.Sqlite.Storage;
using Iteration.Streaming.TestUtilities;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.Sqlite.Tests.Fixtures;

/// <summary>
/// A store on a real file in a temp folder, with its event log and record store, as the container would build them.
/// <see cref="Reopen"/> closes it and opens a new instance on the same file: a restart.
/// </summary>
public sealed class StoreHarness : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly Action<SqliteStoreOptions>? _configure;

    public StoreHarness(Action<SqliteStoreOptions>? configure = null, IterationStreamingOptions? streaming = null)
    {
        _configure = configure;
        Streaming = streaming ?? new IterationStreamingOptions();
        Path = _folder.File();
        Open();
    }

    public string Path { get; }

    public IterationStreamingOptions Streaming { get; }

    public FakeTimeProvider Clock { get; } = new(TestEvents.Epoch);

    internal SqliteStore Store { get; private set; } = null!;

    internal SqliteGenerationEventLog Log { get; private set; } = null!;

    internal SqliteGenerationRecordStore Records { get; private set; } = null!;

    internal SqliteStoreOptions Options()
    {
        // Tests that hold the write lock (WriteLock) keep the writer waiting: patience, not the 5-second default.
        var options = new SqliteStoreOptions { Path = Path, BusyTimeout = TimeSpan.FromMinutes(1) };
        _configure?.Invoke(options);
        return options;
    }

    /// <summary>Closes the store (committing what is queued) and opens it again on the same file.</summary>
    public void Reopen()
    {
        Store.Dispose();
        Open();
    }

    /// <summary>A connection of the test's own to the file, to look at or lock it.</summary>
    public SqliteConnection OpenRaw()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    public long Scalar(string sql)
    {
        using var connection = OpenRaw();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        Store.Dispose();
        _folder.Dispose();
    }

    private void Open()
    {
        Store = SqliteStore.Open(Options());
        Log = new SqliteGenerationEventLog(Store, new StaticOptionsMonitor<IterationStreamingOptions>(Streaming));
        Records = new SqliteGenerationRecordStore(Store, Clock);
    }
}
