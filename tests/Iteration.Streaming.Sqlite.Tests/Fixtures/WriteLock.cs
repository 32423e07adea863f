using Microsoft.Data.Sqlite;

namespace Iteration.Streaming.Sqlite.Tests.Fixtures;

/// <summary>
/// Holds the file's write lock from a connection of the test's own, so the store's writer waits at its next
/// <c>BEGIN</c>: writes queued meanwhile are neither committed nor visible, and they are committed together after.
/// </summary>
public sealed class WriteLock : IDisposable
{
    private readonly SqliteConnection _connection;
    private bool _released;

    public WriteLock(StoreHarness harness)
    {
        _connection = harness.OpenRaw();
        using var command = _connection.CreateCommand();
        command.CommandText = "BEGIN IMMEDIATE;";
        command.ExecuteNonQuery();
    }

    public void Release()
    {
        if (_released)
        {
            return;
        }

        _released = true;
        using var command = _connection.CreateCommand();
        command.CommandText = "COMMIT;";
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        Release();
        _connection.Dispose();
    }
}
