using Iteration.Streaming.EventLog;
using Iteration.Streaming.StackExchangeRedis.Scripts;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Scripts;

public sealed class AppendBatcherTests
{
    private readonly List<(List<EventLogEntry> Entries, TaskCompletionSource<AppendResult[]> Reply)> _sent = [];
    private readonly AppendBatcher _batcher;

    public AppendBatcherTests() => _batcher = new AppendBatcher(batch =>
    {
        var reply = new TaskCompletionSource<AppendResult[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_sent)
        {
            _sent.Add(([.. batch.Select(p => p.Entry)], reply));
        }

        return reply.Task;
    });

    [Fact]
    public async Task AppendAsync_NothingInFlight_GoesOutAtOnceAlone()
    {
        var entry = Entry("g", 1);

        var appended = _batcher.AppendAsync(entry, 100, 0);
        Sent(0).Entries.Should().Equal(entry);
        Sent(0).Reply.SetResult([new AppendResult(AppendResult.Appended, 1)]);

        (await appended.WithPatience()).Should().Be(new AppendResult(AppendResult.Appended, 1));
    }

    [Fact]
    public async Task AppendAsync_MadeWhileABatchIsInFlight_GoTogetherInTheNextInTheOrderMade()
    {
        var first = _batcher.AppendAsync(Entry("a", 1), 100, 0);
        var later = new[] { Entry("b", 1), Entry("a", 2), Entry("c", 1), Entry("b", 2) };
        var appends = later.Select(e => _batcher.AppendAsync(e, 100, 0)).ToList();

        Sent(0).Reply.SetResult([new AppendResult(AppendResult.Appended, 1)]);
        await first.WithPatience();
        await Eventually.TrueAsync(() => SentCount == 2);
        Sent(1).Entries.Should().Equal(later);
        Sent(1).Reply.SetResult([.. later.Select(e => new AppendResult(AppendResult.Appended, e.Sequence))]);

        (await Task.WhenAll(appends).WithPatience()).Select(r => r.Sequence).Should().Equal(1, 2, 1, 2);
        SentCount.Should().Be(2);
    }

    [Fact]
    public async Task AppendAsync_MoreQueuedThanOneBatchCarries_SplitsThemKeepingTheOrder()
    {
        var first = _batcher.AppendAsync(Entry("g", 1), 100, 0);
        var queued = Enumerable.Range(2, AppendBatcher.MaxBatchCount + 10).Select(s => Entry("g", s)).ToList();
        var appends = queued.Select(e => _batcher.AppendAsync(e, 100, 0)).ToList();

        Sent(0).Reply.SetResult([new AppendResult(AppendResult.Appended, 1)]);
        await first.WithPatience();
        for (var batch = 1; batch <= 2; batch++)
        {
            var index = batch;
            await Eventually.TrueAsync(() => SentCount > index);
            Sent(batch).Reply.SetResult([.. Sent(batch).Entries.Select(e => new AppendResult(AppendResult.Appended, e.Sequence))]);
        }

        Sent(1).Entries.Should().HaveCount(AppendBatcher.MaxBatchCount);
        Sent(1).Entries.Concat(Sent(2).Entries).Should().Equal(queued);
        (await Task.WhenAll(appends).WithPatience()).Select(r => r.Sequence).Should().Equal(queued.Select(e => e.Sequence));
    }

    [Fact]
    public async Task AppendAsync_BatchFails_FailsEachOfItsAppendsAndTheNextBatchStillGoesOut()
    {
        var first = _batcher.AppendAsync(Entry("a", 1), 100, 0);
        var second = _batcher.AppendAsync(Entry("b", 1), 100, 0);
        var third = _batcher.AppendAsync(Entry("c", 1), 100, 0);
        Sent(0).Reply.SetResult([new AppendResult(AppendResult.Appended, 1)]);
        await first.WithPatience();
        await Eventually.TrueAsync(() => SentCount == 2);

        Sent(1).Reply.SetException(new TimeoutException("Redis is away"));
        var afterFailure = _batcher.AppendAsync(Entry("d", 1), 100, 0);
        await Eventually.TrueAsync(() => SentCount == 3);
        Sent(2).Reply.SetResult([new AppendResult(AppendResult.Appended, 1)]);

        await FluentActions.Awaiting(() => second.WithPatience()).Should().ThrowAsync<TimeoutException>();
        await FluentActions.Awaiting(() => third.WithPatience()).Should().ThrowAsync<TimeoutException>();
        (await afterFailure.WithPatience()).Code.Should().Be(AppendResult.Appended);
    }

    private int SentCount
    {
        get
        {
            lock (_sent)
            {
                return _sent.Count;
            }
        }
    }

    private (List<EventLogEntry> Entries, TaskCompletionSource<AppendResult[]> Reply) Sent(int index)
    {
        lock (_sent)
        {
            return _sent[index];
        }
    }

    private static EventLogEntry Entry(string generationId, long sequence) =>
        EventLogEntry.Create(sequence, TestEvents.Progress(generationId, (int)sequence));
}
