using System.Text;
using Iteration.Streaming.Checkpoints;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Files;
using Iteration.Streaming.Sqlite.Checkpoints;
using Iteration.Streaming.Sqlite.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;
using Microsoft.Data.Sqlite;

namespace Iteration.Streaming.Sqlite.Tests.Checkpoints;

/// <summary>
/// What the SQLite checkpoint store adds to the contract: writes cost what changed (a row per delta, the text so far is
/// never rewritten), they survive a restart, a write the disk refuses leaves the previous checkpoint whole, the
/// checkpoint goes with its generation's log, and hostile input round-trips or is refused naming the field.
/// </summary>
public sealed class SqlitePhaseCheckpointStoreTests : IDisposable
{
    private readonly StoreHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    private SqlitePhaseCheckpointStore Store => new(_harness.Store);

    private static PhaseCheckpointWrite Write(string id, bool reset = false) =>
        new() { GenerationId = id, Phase = 2, Attempt = 1, Reset = reset, WrittenAt = TestEvents.Epoch };

    [Fact]
    public async Task WriteAsync_ManyDeltas_AddsOneRowEachAndNeverRewritesTheTextSoFar()
    {
        var id = TestEvents.NewId();
        var text = new StringBuilder();
        await Store.WriteAsync(Write(id, reset: true) with { CurrentFile = "src/a.ts", Text = "start;" });
        text.Append("start;");
        var firstRow = _harness.Scalar($"SELECT rowid FROM checkpoint_text WHERE generation_id = '{id}' AND position = 0");

        for (var i = 0; i < 50; i++)
        {
            var delta = $"line {i};\n";
            await Store.WriteAsync(Write(id) with { CurrentFile = "src/a.ts", Offset = text.Length, Text = delta, Sequence = i });
            text.Append(delta);
        }

        (await Store.ReadAsync(id))!.CurrentText.Should().Be(text.ToString());
        _harness.Scalar($"SELECT count(*) FROM checkpoint_text WHERE generation_id = '{id}'").Should().Be(51, "each write adds its delta as a row");
        _harness.Scalar($"SELECT rowid FROM checkpoint_text WHERE generation_id = '{id}' AND position = 0").Should().Be(firstRow, "the first delta's row was never rewritten");
        _harness.Scalar($"SELECT text_length FROM checkpoints WHERE generation_id = '{id}'").Should().Be(text.Length);
    }

    [Fact]
    public async Task WriteAsync_ThenRestart_ReadsTheSameCheckpoint()
    {
        var id = TestEvents.NewId();
        var state = new byte[] { 0, 1, 2, 255 };
        await Store.WriteAsync(Write(id, reset: true) with { Files = [GeneratedFile.FromText("a.txt", "A")], CurrentFile = "b.txt", Text = "é😀", ResumeState = state, Sequence = 9 });
        await Store.WriteAsync(Write(id) with { CurrentFile = "b.txt", Offset = 3, Text = "tail", Sequence = 10 });

        _harness.Reopen();
        var checkpoint = await Store.ReadAsync(id);

        checkpoint!.Files.Should().ContainSingle().Which.Path.Should().Be("a.txt");
        checkpoint.CurrentFile.Should().Be("b.txt");
        checkpoint.CurrentText.Should().Be("é😀tail");
        checkpoint.ResumeState.ToArray().Should().Equal(state);
        checkpoint.Sequence.Should().Be(10);
        checkpoint.WrittenAt.Should().Be(TestEvents.Epoch);
    }

    [Fact]
    public async Task WriteAsync_OnAFullDisk_FailsClearlyAndLeavesThePreviousCheckpointWhole()
    {
        var id = TestEvents.NewId();
        await Store.WriteAsync(Write(id, reset: true) with { Files = [GeneratedFile.FromText("a.txt", "A")], CurrentFile = "b.txt", Text = "abc", ResumeState = new byte[] { 1 }, Sequence = 3 });
        await _harness.Store.Writer.RunAsync(c => Execute(c, "PRAGMA max_page_count = " + PageCount(c) + ";"));

        var big = new string('x', 256 * 1024);
        var failed = await CatchAsync(Store.WriteAsync(Write(id) with
        {
            Files = [GeneratedFile.FromText("c.txt", big)],
            CurrentFile = "b.txt",
            Offset = 3,
            Text = big,
            ResumeState = new byte[] { 2 },
            Sequence = 4,
        }).AsTask());
        await _harness.Store.Writer.RunAsync(c => Execute(c, "PRAGMA max_page_count = 1073741823;"));
        var checkpoint = await Store.ReadAsync(id);
        await Store.WriteAsync(Write(id) with { CurrentFile = "b.txt", Offset = 3, Text = "d", Sequence = 5 });

        failed.Should().BeOfType<GenerationStorageUnavailableException>().Which.Message.Should()
            .Contain(_harness.Path).And.Contain("disk is full").And.Contain($"checkpoint of generation '{id}'");
        checkpoint!.Files.Select(f => f.Path).Should().Equal("a.txt");
        checkpoint.CurrentText.Should().Be("abc");
        checkpoint.ResumeState.ToArray().Should().Equal(1);
        checkpoint.Sequence.Should().Be(3);
        (await Store.ReadAsync(id))!.CurrentText.Should().Be("abcd", "the store goes on from the checkpoint that stood");
    }

    [Fact]
    public async Task WriteAsync_AConflictInABatch_FailsOnlyThatWrite()
    {
        var ids = new[] { TestEvents.NewId(), TestEvents.NewId() };
        foreach (var id in ids)
        {
            await Store.WriteAsync(Write(id, reset: true) with { CurrentFile = "a", Text = "abc" });
        }

        Task conflict, good;
        using (var writeLock = new WriteLock(_harness))
        {
            conflict = Store.WriteAsync(Write(ids[0]) with { CurrentFile = "a", Offset = 9, Text = "x" }).AsTask();
            good = Store.WriteAsync(Write(ids[1]) with { CurrentFile = "a", Offset = 3, Text = "d" }).AsTask();
            writeLock.Release();
        }

        (await CatchAsync(conflict)).Should().BeOfType<PhaseCheckpointConflictException>();
        await good.WithPatience();
        (await Store.ReadAsync(ids[0]))!.CurrentText.Should().Be("abc");
        (await Store.ReadAsync(ids[1]))!.CurrentText.Should().Be("abcd");
    }

    [Fact]
    public async Task DeletingTheGenerationsLog_DeletesItsCheckpointInTheSameStep()
    {
        var id = TestEvents.NewId();
        await _harness.Log.CreateAsync(id);
        await Store.WriteAsync(Write(id, reset: true) with { Files = [GeneratedFile.FromText("a", "1")], CurrentFile = "b", Text = "xyz" });

        (await _harness.Log.DeleteAsync(id)).Should().BeTrue();

        (await Store.ReadAsync(id)).Should().BeNull();
        foreach (var table in new[] { "checkpoints", "checkpoint_files", "checkpoint_text" })
        {
            _harness.Scalar($"SELECT count(*) FROM {table} WHERE generation_id = '{id}'").Should().Be(0, table + " keeps no row of it");
        }
    }

    [Fact]
    public async Task DeleteAsync_RemovesEveryRow()
    {
        var id = TestEvents.NewId();
        await Store.WriteAsync(Write(id, reset: true) with { Files = [GeneratedFile.FromText("a", "1")], CurrentFile = "b", Text = "xyz", ResumeState = new byte[] { 1 } });

        await Store.DeleteAsync(id);

        _harness.Scalar($"SELECT (SELECT count(*) FROM checkpoints WHERE generation_id = '{id}') + (SELECT count(*) FROM checkpoint_files WHERE generation_id = '{id}') + (SELECT count(*) FROM checkpoint_text WHERE generation_id = '{id}')")
            .Should().Be(0);
    }

    [Fact]
    public async Task WriteAsync_HostileInput_RoundTripsExactly()
    {
        var id = TestEvents.NewId();
        var longPath = "src/" + new string('p', 5_000) + ".ts";
        var binary = Enumerable.Range(0, 70_000).Select(i => (byte)(i * 31)).ToArray();
        var hostile = "a\0b\uD800c\uDC00" + new string('é', 10);
        var huge = new string('h', 4 * 1024 * 1024);

        await Store.WriteAsync(Write(id, reset: true) with
        {
            Files = [new GeneratedFile { Path = longPath, Content = binary }, new GeneratedFile { Path = "nul\0name", Content = new byte[] { 0 } }],
            CurrentFile = longPath + "2",
            Text = hostile[..2] + "\uD83D",
        });
        await Store.WriteAsync(Write(id) with { CurrentFile = longPath + "2", Offset = 3, Text = "\uDE00" + hostile[2..] + huge });

        var checkpoint = await Store.ReadAsync(id);

        checkpoint!.Files[0].Path.Should().Be(longPath);
        checkpoint.Files[0].Content.ToArray().Should().Equal(binary);
        checkpoint.Files[1].Path.Should().Be("nul\0name");
        checkpoint.CurrentFile.Should().Be(longPath + "2");
        checkpoint.CurrentText.Should().Be(hostile[..2] + "\uD83D\uDE00" + hostile[2..] + huge, "NUL, a pair split over two writes and lone surrogates are kept");
    }

    [Fact]
    public async Task WriteAsync_MalformedWrites_AreRefusedNamingTheField()
    {
        var id = TestEvents.NewId();

        await FluentActions.Awaiting(() => Store.WriteAsync(Write(id) with { Offset = -1 }).AsTask())
            .Should().ThrowAsync<ArgumentOutOfRangeException>().WithParameterName("write");
        await FluentActions.Awaiting(() => Store.WriteAsync(Write(id) with { Files = [null!] }).AsTask())
            .Should().ThrowAsync<ArgumentException>().WithMessage("*Path*");
        await FluentActions.Awaiting(() => Store.WriteAsync(Write(id) with { Text = null! }).AsTask())
            .Should().ThrowAsync<ArgumentException>().WithMessage("*Text*");
        (await Store.ReadAsync(id)).Should().BeNull();
    }

    [Fact]
    public async Task ReadAsync_OfADamagedText_ThrowsNamingTheGenerationAndTheFile()
    {
        var id = TestEvents.NewId();
        await Store.WriteAsync(Write(id, reset: true) with { CurrentFile = "a", Text = "abc" });
        using (var raw = _harness.OpenRaw())
        {
            Execute(raw, $"UPDATE checkpoints SET text_length = 10 WHERE generation_id = '{id}';");
        }

        var read = () => Store.ReadAsync(id).AsTask();

        await read.Should().ThrowAsync<InvalidDataException>().WithMessage($"*'{id}'*{_harness.Path}*damaged*3 of 10*");
    }

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
}
