using Iteration.Streaming.Sqlite.Storage;
using Iteration.Streaming.Sqlite.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Sqlite.Tests.Storage;

/// <summary>
/// The write-ahead log is checkpointed on its own thread, never inside one of the writer's commits, and what it copied
/// stays readable after a reopen.
/// </summary>
public sealed class CheckpointTests : IDisposable
{
    private readonly StoreHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task Writer_TurnsSqlitesAutomaticCheckpointOff()
    {
        var autoCheckpoint = -1L;
        await _harness.Store.Writer.RunAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_autocheckpoint;";
            autoCheckpoint = (long)command.ExecuteScalar()!;
        }).WithPatience();

        autoCheckpoint.Should().Be(0, "a commit must not wait for a checkpoint");
    }

    [Fact]
    public async Task ManyWrites_RunACheckpointOnItsOwnThread_AndEveryEventSurvivesAReopen()
    {
        var checkpointer = _harness.Store.Writer.Checkpointer!;
        var checkpointed = checkpointer.NextCheckpoint;
        const string Id = "checkpointed";
        await _harness.Log.CreateAsync(Id);

        for (var i = 0; i < WalCheckpointer.OperationsPerCheckpoint + 10; i++)
        {
            await _harness.Log.AppendAsync(TestEvents.Progress(Id, i % 100));
        }

        await checkpointed.WithPatience();
        checkpointer.Checkpoints.Should().BeGreaterThanOrEqualTo(1);
        _harness.Reopen();
        (await _harness.Log.GetLatestAsync(Id))!.Sequence.Should().Be(WalCheckpointer.OperationsPerCheckpoint + 10);
    }
}
