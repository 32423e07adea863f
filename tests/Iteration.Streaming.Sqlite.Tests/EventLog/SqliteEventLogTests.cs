using System.Text;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Sqlite.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Sqlite.Tests.EventLog;

public sealed class SqliteEventLogTests : IDisposable
{
    private readonly StoreHarness _harness = new(o => o.LiveWindowSize = 16);

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task Reader_BehindTheLiveWindow_ReadsTheFileThenJoinsTheWindow()
    {
        var id = await CreateAsync();
        var appended = new List<EventLogEntry>();
        for (var i = 0; i < 100; i++)
        {
            appended.Add(await _harness.Log.AppendAsync(TestEvents.Progress(id, i)));
        }

        await using var reader = await _harness.Log.SubscribeAsync(id);
        var read = await reader.TakeAsync(100);
        var live = reader.WaitToReadAsync().AsTask();
        appended.Add(await _harness.Log.AppendAsync(TestEvents.Completed(id)));
        (await live.WithPatience()).Should().BeTrue();
        read.AddRange(await reader.ReadAllAsync().ToListAsync().WithPatience());

        read.Select(e => Encoding.UTF8.GetString(e.Frame.Span)).Should().Equal(appended.Select(e => Encoding.UTF8.GetString(e.Frame.Span)));
    }

    [Fact]
    public async Task Readers_InTheLiveWindow_ShareTheAppendedEntries()
    {
        var id = await CreateAsync();
        await using var first = await _harness.Log.SubscribeAsync(id);
        await using var second = await _harness.Log.SubscribeAsync(id);
        var appended = await _harness.Log.AppendAsync(TestEvents.Progress(id, 0));

        (await first.TakeAsync(1)).Single().Should().BeSameAs(appended);
        (await second.TakeAsync(1)).Single().Should().BeSameAs(appended);
    }

    [Fact]
    public async Task EndedGeneration_ReplaysFromTheFileAfterItsReadersLeft()
    {
        var id = await CreateAsync();
        await using (var reader = await _harness.Log.SubscribeAsync(id))
        {
            await _harness.Log.AppendAsync(TestEvents.Progress(id, 0));
            await _harness.Log.AppendAsync(TestEvents.Completed(id));
            (await reader.ReadAllAsync().ToListAsync().WithPatience()).Should().HaveCount(2);
        }

        await using var replay = await _harness.Log.SubscribeAsync(id);

        (await replay.ReadAllAsync().ToListAsync().WithPatience()).Select(e => e.Sequence).Should().Equal(1, 2);
    }

    [Fact]
    public async Task DeleteAsync_RemovesTheLogsRowsFromTheFile()
    {
        var id = await CreateAsync();
        var kept = await CreateAsync();
        for (var i = 0; i < 10; i++)
        {
            await _harness.Log.AppendAsync(TestEvents.Progress(id, i));
            await _harness.Log.AppendAsync(TestEvents.Progress(kept, i));
        }

        (await _harness.Log.DeleteAsync(id)).Should().BeTrue();

        _harness.Scalar($"SELECT count(*) FROM logs WHERE generation_id = '{id}'").Should().Be(0);
        _harness.Scalar("SELECT count(*) FROM events").Should().Be(10, "only the other generation's rows are left");
        (await _harness.Log.ExistsAsync(id)).Should().BeFalse();
        (await _harness.Log.ExistsAsync(kept)).Should().BeTrue();
        await FluentActions.Awaiting(() => _harness.Log.GetLatestAsync(id).AsTask()).Should().ThrowAsync<GenerationNotFoundException>();
        await FluentActions.Awaiting(() => _harness.Log.AppendAsync(TestEvents.Progress(id, 99)).AsTask()).Should().ThrowAsync<GenerationNotFoundException>();
    }

    [Fact]
    public async Task DeleteAsync_UnknownOrTwice_ReturnsFalse()
    {
        var id = await CreateAsync();
        await _harness.Log.DeleteAsync(id);

        (await _harness.Log.DeleteAsync(id)).Should().BeFalse();
        (await _harness.Log.DeleteAsync(TestEvents.NewId())).Should().BeFalse();
    }

    [Fact]
    public async Task DeleteAsync_WaitingReader_StopsWaiting()
    {
        var id = await CreateAsync();
        await _harness.Log.AppendAsync(TestEvents.Progress(id, 0));
        await using var reader = await _harness.Log.SubscribeAsync(id);
        (await reader.TakeAsync(1)).Should().HaveCount(1);
        var wait = reader.WaitToReadAsync().AsTask();

        await _harness.Log.DeleteAsync(id);

        (await wait.WithPatience()).Should().BeFalse();
    }

    [Fact]
    public async Task DeleteAsync_ReaderBehind_EndsWithWhatItHad()
    {
        var id = await CreateAsync();
        for (var i = 0; i < 50; i++)
        {
            await _harness.Log.AppendAsync(TestEvents.Progress(id, i));
        }

        await using var reader = await _harness.Log.SubscribeAsync(id);
        await _harness.Log.DeleteAsync(id);

        (await reader.ReadAllAsync().ToListAsync().WithPatience()).Should().BeEmpty("its rows are gone from the file");
    }

    [Fact]
    public async Task CreateAsync_AfterDelete_StartsANewLogThatOldReadersDoNotSee()
    {
        var id = await CreateAsync();
        await _harness.Log.AppendAsync(TestEvents.Progress(id, 0));
        await using var oldReader = await _harness.Log.SubscribeAsync(id, 1);
        await _harness.Log.DeleteAsync(id);

        await _harness.Log.CreateAsync(id);
        var first = await _harness.Log.AppendAsync(TestEvents.Progress(id, 1));

        first.Sequence.Should().Be(1);
        (await oldReader.WaitToReadAsync().AsTask().WithPatience()).Should().BeFalse();
    }

    [Fact]
    public async Task CreateDeleteAndAppend_InOneBatch_SeeEachOther()
    {
        var id = TestEvents.NewId();
        Task create, append, delete, appendAfterDelete;
        using (var writeLock = new WriteLock(_harness))
        {
            create = _harness.Log.CreateAsync(id).AsTask();
            append = _harness.Log.AppendAsync(TestEvents.Progress(id, 0)).AsTask();
            delete = _harness.Log.DeleteAsync(id).AsTask();
            appendAfterDelete = _harness.Log.AppendAsync(TestEvents.Progress(id, 1)).AsTask();
            writeLock.Release();
        }

        await create.WithPatience();
        await append.WithPatience();
        await delete.WithPatience();
        await FluentActions.Awaiting(() => appendAfterDelete.WithPatience()).Should().ThrowAsync<GenerationNotFoundException>();
        (await _harness.Log.ExistsAsync(id)).Should().BeFalse();
    }

    [Fact]
    public async Task AppendAsync_UnserialisableEvent_IsRefusedAndTheLogGoesOn()
    {
        var id = await CreateAsync();

        await FluentActions.Awaiting(() => _harness.Log.AppendAsync(TestEvents.Progress(id, 0) with { Progress = double.NaN }).AsTask())
            .Should().ThrowAsync<ArgumentException>();

        (await _harness.Log.AppendAsync(TestEvents.Progress(id, 1))).Sequence.Should().Be(1);
    }

    [Fact]
    public async Task AppendAsync_EventWithoutGenerationId_ThrowsGenerationNotFound()
    {
        await FluentActions.Awaiting(() => _harness.Log.AppendAsync(TestEvents.Progress(null!, 0)).AsTask())
            .Should().ThrowAsync<GenerationNotFoundException>();
    }

    [Fact]
    public async Task AppendAsync_CancelledBeforeItIsQueued_ThrowsAndAppendsNothing()
    {
        var id = await CreateAsync();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await FluentActions.Awaiting(() => _harness.Log.AppendAsync(TestEvents.Progress(id, 0), cancelled.Token).AsTask())
            .Should().ThrowAsync<OperationCanceledException>();
        (await _harness.Log.GetLatestAsync(id)).Should().BeNull();
    }

    [Theory]
    [InlineData("x' OR '1'='1")]
    [InlineData("%")]
    [InlineData("\"; DROP TABLE events; --")]
    [InlineData("ünïcödé-🚀")]
    public async Task HostileGenerationIds_AreKeptApart(string hostile)
    {
        var other = await CreateAsync();
        await _harness.Log.AppendAsync(TestEvents.Progress(other, 0));
        await _harness.Log.CreateAsync(hostile);

        var entry = await _harness.Log.AppendAsync(TestEvents.Progress(hostile, 0));

        entry.Sequence.Should().Be(1);
        (await _harness.Log.GetLatestAsync(other))!.Sequence.Should().Be(1);
        _harness.Reopen();
        (await _harness.Log.GetLatestAsync(hostile))!.Event.GenerationId.Should().Be(hostile);
        (await _harness.Log.DeleteAsync(hostile)).Should().BeTrue();
        (await _harness.Log.ExistsAsync(other)).Should().BeTrue();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public async Task CreateAsync_BlankId_ThrowsArgument(string? id)
    {
        await FluentActions.Awaiting(() => _harness.Log.CreateAsync(id!).AsTask()).Should().ThrowAsync<ArgumentException>();
    }

    [Fact]
    public async Task NullIds_ThrowArgumentNull()
    {
        await FluentActions.Awaiting(() => _harness.Log.ExistsAsync(null!).AsTask()).Should().ThrowAsync<ArgumentNullException>();
        await FluentActions.Awaiting(() => _harness.Log.SubscribeAsync(null!).AsTask()).Should().ThrowAsync<ArgumentNullException>();
        await FluentActions.Awaiting(() => _harness.Log.GetLatestAsync(null!).AsTask()).Should().ThrowAsync<ArgumentNullException>();
        await FluentActions.Awaiting(() => _harness.Log.DeleteAsync(null!).AsTask()).Should().ThrowAsync<ArgumentNullException>();
    }

    private async Task<string> CreateAsync()
    {
        var id = TestEvents.NewId();
        await _harness.Log.CreateAsync(id);
        return id;
    }
}
