using Iteration.Streaming.Engine;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Records;
using Iteration.Streaming.Sqlite.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;
using Microsoft.Data.Sqlite;

namespace Iteration.Streaming.Sqlite.Tests.Storage;

/// <summary>
/// A commit that fails fails exactly the writes in it, with an error that says why, and nothing of them is ever visible;
/// the store goes on once the cause is gone. The disk is "full" through <c>PRAGMA max_page_count</c>, which makes SQLite
/// fail exactly as on a full disk (SQLITE_FULL).
/// </summary>
public sealed class WriteFaultTests : IDisposable
{
    private readonly StoreHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task FullDisk_FailsTheAppendsWithAClearErrorAndShowsNothing()
    {
        var ids = await CreateAsync(4);
        var before = new Dictionary<string, EventLogEntry>();
        foreach (var id in ids)
        {
            before[id] = await _harness.Log.AppendAsync(TestEvents.Progress(id, 0));
        }

        await using var watcher = await _harness.Log.SubscribeAsync(ids[0], 1);
        await FillTheDiskAsync();

        var failures = await Task.WhenAll(ids.Select(id => CatchAsync(_harness.Log.AppendAsync(Big(id, 1)).AsTask())));

        failures.Should().AllSatisfy(f => f.Should().BeOfType<GenerationStorageUnavailableException>().Which.Message.Should()
            .Contain(_harness.Path).And.Contain("disk is full").And.Contain("Nothing of it was saved"));
        foreach (var id in ids)
        {
            (await _harness.Log.GetLatestAsync(id))!.Sequence.Should().Be(before[id].Sequence);
        }

        watcher.TryRead(out _).Should().BeFalse();
    }

    [Fact]
    public async Task FullDisk_Recovered_AppendsContinueWithoutAGap()
    {
        var id = (await CreateAsync(1))[0];
        await _harness.Log.AppendAsync(TestEvents.Progress(id, 0));
        await using var watcher = await _harness.Log.SubscribeAsync(id, 1);
        await FillTheDiskAsync();
        (await CatchAsync(_harness.Log.AppendAsync(Big(id, 1)).AsTask())).Should().BeOfType<GenerationStorageUnavailableException>();

        await _harness.Store.Writer.RunAsync(c => Execute(c, "PRAGMA max_page_count = 1073741823;"));
        var next = await _harness.Log.AppendAsync(Big(id, 2));

        next.Sequence.Should().Be(2, "the failed append took no sequence");
        (await watcher.TakeAsync(1)).Single().Event.CurrentFile.Should().Be("src/File2.cs");
        _harness.Reopen();
        await using var replay = await _harness.Log.SubscribeAsync(id);
        (await replay.TakeAsync(2)).Select(e => e.Event.CurrentFile).Should().Equal("src/File0.cs", "src/File2.cs");
    }

    [Fact]
    public async Task FullDisk_FailsRecordWritesToo()
    {
        var record = new GenerationRecord
        {
            GenerationId = TestEvents.NewId(),
            Prompt = new string('p', 64 * 1024),
            Entities = [],
            Status = "queued",
            CreatedAt = TestEvents.Epoch,
        };
        await FillTheDiskAsync();

        (await CatchAsync(_harness.Records.AddAsync(record).AsTask())).Should().BeOfType<GenerationStorageUnavailableException>()
            .Which.Message.Should().Contain($"record of generation '{record.GenerationId}'");
        (await _harness.Records.GetAsync(record.GenerationId)).Should().BeNull();
    }

    [Fact]
    public async Task OneWritesOwnError_FailsOnlyThatWriteOfItsBatch()
    {
        var ids = await CreateAsync(3);
        await _harness.Store.Writer.RunAsync(c => SQLitePCL.raw.sqlite3_limit(c.Handle, SQLitePCL.raw.SQLITE_LIMIT_LENGTH, 16 * 1024));
        Task<EventLogEntry>[] appends;
        using (var writeLock = new WriteLock(_harness))
        {
            appends = [
                _harness.Log.AppendAsync(TestEvents.Progress(ids[0], 0)).AsTask(),
                _harness.Log.AppendAsync(Big(ids[1], 0)).AsTask(),
                _harness.Log.AppendAsync(TestEvents.Progress(ids[2], 0)).AsTask(),
                _harness.Log.AppendAsync(TestEvents.Progress(ids[0], 1)).AsTask(),
            ];
            writeLock.Release();
        }

        var tooBig = await CatchAsync(appends[1]);

        tooBig.Should().BeOfType<IOException>().Which.Message.Should().Contain(ids[1]);
        (await appends[0].WithPatience()).Sequence.Should().Be(1);
        (await appends[2].WithPatience()).Sequence.Should().Be(1);
        (await appends[3].WithPatience()).Sequence.Should().Be(2);
        (await _harness.Log.GetLatestAsync(ids[1])).Should().BeNull();
    }

    private static StreamingProgressEvent Big(string id, int index) => TestEvents.Progress(id, index) with { Message = new string('x', 64 * 1024) };

    private async Task FillTheDiskAsync() =>
        await _harness.Store.Writer.RunAsync(c => Execute(c, "PRAGMA max_page_count = " + PageCount(c) + ";"));

    private static long PageCount(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA page_count;";
        return (long)command.ExecuteScalar()!;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static async Task<Exception?> CatchAsync(Task task)
    {
        try
        {
            await task.WithPatience();
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    private async Task<List<string>> CreateAsync(int count)
    {
        var ids = Enumerable.Range(0, count).Select(_ => TestEvents.NewId()).ToList();
        foreach (var id in ids)
        {
            await _harness.Log.CreateAsync(id);
        }

        return ids;
    }
}
