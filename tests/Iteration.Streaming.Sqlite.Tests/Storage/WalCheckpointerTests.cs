using Iteration.Streaming.EventLog;
using Iteration.Streaming.Sqlite.Storage;
using Iteration.Streaming.Sqlite.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Sqlite.Tests.Storage;

/// <summary>
/// The write-ahead log is copied into the database file by a thread of its own, after every
/// <see cref="WalCheckpointer.WritesPerCheckpoint"/> writes; the writer checkpoints only past a large log. Nothing written
/// depends on it: every event reads back after a restart.
/// </summary>
public sealed class WalCheckpointerTests : IDisposable
{
    private const int Generations = 16;

    private readonly StoreHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    private async Task<string[]> CreateAsync()
    {
        var ids = Enumerable.Range(0, Generations).Select(i => $"wal-{i}").ToArray();
        foreach (var id in ids)
        {
            await _harness.Log.CreateAsync(id);
        }

        return ids;
    }

    private async Task AppendAsync(string[] ids, int eventsEach) =>
        await Task.WhenAll(ids.Select(id => Task.Run(async () =>
        {
            for (var i = 0; i < eventsEach; i++)
            {
                await _harness.Log.AppendAsync(TestEvents.Progress(id, i) with { Message = new string('m', 400) });
            }
        }))).WithPatience();

    [Fact]
    public async Task Writes_PastTheThreshold_CheckpointInTheBackground_IntoTheDatabaseFile()
    {
        var ids = await CreateAsync();
        var fileBefore = new FileInfo(_harness.Path).Length;
        var checkpointed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _harness.Store.Checkpointer.Checkpointed += () => checkpointed.TrySetResult();

        await AppendAsync(ids, (WalCheckpointer.WritesPerCheckpoint / Generations) + 8);
        await checkpointed.Task.WithPatience();

        _harness.Store.Checkpointer.Checkpoints.Should().BeGreaterThanOrEqualTo(1);
        new FileInfo(_harness.Path).Length.Should().BeGreaterThan(
            fileBefore + (WalCheckpointer.WritesPerCheckpoint * 400L / 2), "the checkpoint copied the logged pages into the database file");
    }

    [Fact]
    public async Task Writes_BelowTheThreshold_NoBackgroundCheckpoint()
    {
        var ids = await CreateAsync();

        await AppendAsync(ids, 4);

        _harness.Store.Checkpointer.Checkpoints.Should().Be(0, "{0} writes are below the threshold of {1}", Generations * 4, WalCheckpointer.WritesPerCheckpoint);
    }

    [Fact]
    public async Task Writer_CheckpointsItselfOnlyPastTheSafetyNet()
    {
        long pages = 0;
        await _harness.Store.Writer.RunAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_autocheckpoint;";
            pages = (long)command.ExecuteScalar()!;
        }).WithPatience();

        pages.Should().Be(WalCheckpointer.WriterCheckpointPages);
    }

    [Fact]
    public async Task ManyCheckpoints_ThenRestart_EveryEventReadsBackInOrder()
    {
        var ids = await CreateAsync();
        const int EventsEach = 3 * WalCheckpointer.WritesPerCheckpoint / Generations;

        await AppendAsync(ids, EventsEach);
        _harness.Reopen();

        foreach (var id in ids)
        {
            await using var replay = await _harness.Log.SubscribeAsync(id);
            var entries = await replay.TakeAsync(EventsEach);
            entries.Select(e => e.Sequence).Should().Equal(Enumerable.Range(1, EventsEach).Select(i => (long)i));
            entries.Select(e => e.Event.CurrentFile).Should().Equal(Enumerable.Range(0, EventsEach).Select(i => $"src/File{i}.cs"));
        }
    }

    [Fact]
    public void Dispose_Twice_StopsOnce()
    {
        var checkpointer = _harness.Store.Checkpointer;

        _harness.Reopen();
        var again = () => checkpointer.Dispose();

        again.Should().NotThrow("the store disposed it already; a second Dispose does nothing");
    }
}
