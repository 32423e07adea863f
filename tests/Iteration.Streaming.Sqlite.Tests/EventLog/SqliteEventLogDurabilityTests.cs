using System.Text;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Sqlite.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Sqlite.Tests.EventLog;

/// <summary>What a restart (a new store on the same file) keeps, and that nothing is visible before it is on disk.</summary>
public sealed class SqliteEventLogDurabilityTests : IDisposable
{
    private readonly StoreHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task Restart_ReplaysTheSameIdsAndBytes()
    {
        var id = await CreateAsync();
        var appended = new List<EventLogEntry>();
        for (var i = 0; i < 5; i++)
        {
            appended.Add(await _harness.Log.AppendAsync(TestEvents.Progress(id, i)));
        }

        appended.Add(await _harness.Log.AppendAsync(TestEvents.Completed(id)));

        _harness.Reopen();
        await using var replay = await _harness.Log.SubscribeAsync(id);
        var replayed = await replay.ReadAllAsync().ToListAsync().WithPatience();

        replayed.Select(e => e.Sequence).Should().Equal(appended.Select(e => e.Sequence));
        replayed.Select(e => Encoding.UTF8.GetString(e.Frame.Span)).Should().Equal(appended.Select(e => Encoding.UTF8.GetString(e.Frame.Span)));
        replayed.Select(e => e.Event).Should().BeEquivalentTo(appended.Select(e => e.Event), o => o.WithStrictOrdering());
    }

    [Fact]
    public async Task Restart_LatestIsTheLastAppendedEntry()
    {
        var id = await CreateAsync();
        await _harness.Log.AppendAsync(TestEvents.Progress(id, 0));
        var last = await _harness.Log.AppendAsync(TestEvents.Progress(id, 1));

        _harness.Reopen();

        var latest = await _harness.Log.GetLatestAsync(id);
        latest!.Sequence.Should().Be(last.Sequence);
        latest.Frame.ToArray().Should().Equal(last.Frame.ToArray());
    }

    [Fact]
    public async Task Restart_AppendsContinueWithTheNextSequence()
    {
        var id = await CreateAsync();
        for (var i = 0; i < 3; i++)
        {
            await _harness.Log.AppendAsync(TestEvents.Progress(id, i));
        }

        _harness.Reopen();
        var next = await _harness.Log.AppendAsync(TestEvents.Progress(id, 3));

        next.Sequence.Should().Be(4);
        Encoding.UTF8.GetString(next.Frame.Span).Should().StartWith("id: 4\n");
    }

    [Fact]
    public async Task Restart_WatcherFromTheLastSeenIdGetsOnlyNewEvents()
    {
        var id = await CreateAsync();
        await _harness.Log.AppendAsync(TestEvents.Progress(id, 0));
        var seen = await _harness.Log.AppendAsync(TestEvents.Progress(id, 1));

        _harness.Reopen();
        await using var resumed = await _harness.Log.SubscribeAsync(id, seen.Sequence);
        await _harness.Log.AppendAsync(TestEvents.Progress(id, 2));
        await _harness.Log.AppendAsync(TestEvents.Completed(id));

        (await resumed.ReadAllAsync().ToListAsync().WithPatience()).Select(e => e.Sequence).Should().Equal(3, 4);
    }

    [Fact]
    public async Task Restart_CreateOfAnExistingLog_IsRefused()
    {
        var id = await CreateAsync();

        _harness.Reopen();

        await FluentActions.Awaiting(() => _harness.Log.CreateAsync(id).AsTask())
            .Should().ThrowAsync<InvalidOperationException>().WithMessage($"*{id}*exists*");
        (await _harness.Log.ExistsAsync(id)).Should().BeTrue();
    }

    [Fact]
    public async Task Restart_AppendAfterTheTerminalEvent_IsRefused()
    {
        var id = await CreateAsync();
        await _harness.Log.AppendAsync(TestEvents.Failed(id));

        _harness.Reopen();

        await FluentActions.Awaiting(() => _harness.Log.AppendAsync(TestEvents.Progress(id, 1)).AsTask())
            .Should().ThrowAsync<InvalidOperationException>().WithMessage("*failed*terminal*");
        (await _harness.Log.SubscribeAsync(id, 1)).IsAlreadyComplete.Should().BeTrue();
    }

    [Fact]
    public async Task Restart_EmptyLog_StartsAtOne()
    {
        var id = await CreateAsync();

        _harness.Reopen();

        (await _harness.Log.GetLatestAsync(id)).Should().BeNull();
        (await _harness.Log.AppendAsync(TestEvents.Progress(id, 0))).Sequence.Should().Be(1);
    }

    [Fact]
    public async Task Restart_DeletedLog_StaysDeleted()
    {
        var id = await CreateAsync();
        await _harness.Log.AppendAsync(TestEvents.Progress(id, 0));
        await _harness.Log.DeleteAsync(id);

        _harness.Reopen();

        (await _harness.Log.ExistsAsync(id)).Should().BeFalse();
        await FluentActions.Awaiting(() => _harness.Log.SubscribeAsync(id).AsTask()).Should().ThrowAsync<GenerationNotFoundException>();
    }

    [Fact]
    public async Task Append_IsInvisibleUntilItsCommitReturns()
    {
        var id = await CreateAsync();
        var first = await _harness.Log.AppendAsync(TestEvents.Progress(id, 0));
        await using var watcher = await _harness.Log.SubscribeAsync(id, first.Sequence);
        Task<EventLogEntry> pending;
        using (var writeLock = new WriteLock(_harness))
        {
            pending = _harness.Log.AppendAsync(TestEvents.Progress(id, 1)).AsTask();
            var wait = watcher.WaitToReadAsync().AsTask();

            pending.IsCompleted.Should().BeFalse("the writer cannot commit while the test holds the lock");
            (await _harness.Log.GetLatestAsync(id))!.Sequence.Should().Be(first.Sequence);
            watcher.TryRead(out _).Should().BeFalse();
            wait.IsCompleted.Should().BeFalse();
            await FluentActions.Awaiting(() => _harness.Log.SubscribeAsync(id, 2).AsTask())
                .Should().ThrowAsync<ArgumentOutOfRangeException>("a Last-Event-ID can never be ahead of what is on disk");

            writeLock.Release();
            (await wait.WithPatience()).Should().BeTrue();
        }

        var appended = await pending.WithPatience();
        watcher.TryRead(out var read).Should().BeTrue();
        read!.Sequence.Should().Be(appended.Sequence);
        _harness.Scalar($"SELECT count(*) FROM events WHERE seq = {appended.Sequence}").Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task Dispose_CommitsEveryQueuedAppendFirst()
    {
        var id = await CreateAsync();
        var appends = Enumerable.Range(0, 200).Select(i => _harness.Log.AppendAsync(TestEvents.Progress(id, i)).AsTask()).ToList();

        _harness.Reopen();

        (await Task.WhenAll(appends).WithPatience()).Select(e => e.Sequence).Should().Equal(Enumerable.Range(1, 200).Select(i => (long)i));
        (await _harness.Log.GetLatestAsync(id))!.Sequence.Should().Be(200);
    }

    [Fact]
    public async Task AppendAsync_AfterTheStoreIsClosed_ThrowsObjectDisposed()
    {
        var id = await CreateAsync();
        var log = _harness.Log;
        _harness.Reopen();

        await FluentActions.Awaiting(() => log.AppendAsync(TestEvents.Progress(id, 0)).AsTask()).Should().ThrowAsync<ObjectDisposedException>();
    }

    private async Task<string> CreateAsync()
    {
        var id = TestEvents.NewId();
        await _harness.Log.CreateAsync(id);
        return id;
    }
}
