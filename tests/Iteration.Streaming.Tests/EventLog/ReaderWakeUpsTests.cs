using Iteration.Streaming.EventLog;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Tests.EventLog;

/// <summary>The batched wake-up of the readers waiting on one log (the fix for mid-burst stalls at 10,000 watchers).</summary>
public sealed class ReaderWakeUpsTests
{
    [Fact]
    public void Register_UpToBatchSize_SharesOneTask()
    {
        var waiting = new ReaderWakeUps();

        var tasks = Enumerable.Range(0, ReaderWakeUps.BatchSize).Select(_ => waiting.Register()).Distinct().ToList();

        tasks.Should().ContainSingle();
    }

    [Fact]
    public void Register_BeyondBatchSize_StartsAnotherBatch()
    {
        var waiting = new ReaderWakeUps();

        var tasks = Enumerable.Range(0, (3 * ReaderWakeUps.BatchSize) + 1).Select(_ => waiting.Register()).Distinct().ToList();

        tasks.Should().HaveCount(4);
    }

    [Fact]
    public void Take_NobodyWaiting_ReturnsNullAndWakeDoesNothing()
    {
        var waiting = new ReaderWakeUps();

        var taken = waiting.Take();
        ReaderWakeUps.Wake(taken);

        taken.Should().BeNull();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(ReaderWakeUps.BatchSize)]
    [InlineData((5 * ReaderWakeUps.BatchSize) + 3)]
    public async Task Wake_ReadersInOneOrManyBatches_CompletesEveryWaitWithTrue(int readers)
    {
        var waiting = new ReaderWakeUps();
        var waits = Enumerable.Range(0, readers).Select(_ => waiting.Register()).ToArray();

        ReaderWakeUps.Wake(waiting.Take());

        (await Task.WhenAll(waits).WithPatience()).Should().AllSatisfy(woken => woken.Should().BeTrue());
    }

    [Fact]
    public async Task Take_AfterTaking_NextRegistrationWaitsForTheNextWake()
    {
        var waiting = new ReaderWakeUps();
        var first = waiting.Register();
        var taken = waiting.Take();

        var second = waiting.Register();
        ReaderWakeUps.Wake(taken);
        await first.WithPatience();

        second.IsCompleted.Should().BeFalse();
        second.Should().NotBeSameAs(first);
    }

    [Fact]
    public async Task Wake_FromAnAppendersThread_ContinuationsRunOnThePoolNotThere()
    {
        var waiting = new ReaderWakeUps();
        var ran = Enumerable.Range(0, (2 * ReaderWakeUps.BatchSize) + 1)
            .Select(_ => waiting.Register().ContinueWith(
                static _ => (Thread.CurrentThread.IsThreadPoolThread, Environment.CurrentManagedThreadId),
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default))
            .ToArray();
        var appender = new Thread(() => ReaderWakeUps.Wake(waiting.Take()));

        appender.Start();
        var threads = await Task.WhenAll(ran).WithPatience();
        appender.Join();

        threads.Should().AllSatisfy(t =>
        {
            t.IsThreadPoolThread.Should().BeTrue();
            t.CurrentManagedThreadId.Should().NotBe(appender.ManagedThreadId);
        });
    }

    [Fact]
    public async Task Wake_AContinuationBlocksInTheFirstBatch_LaterBatchesStillWake()
    {
        var waiting = new ReaderWakeUps();
        var first = waiting.Register();
        for (var i = 1; i < ReaderWakeUps.BatchSize; i++)
        {
            _ = waiting.Register();
        }

        var second = waiting.Register();
        for (var i = 1; i < ReaderWakeUps.BatchSize; i++)
        {
            _ = waiting.Register();
        }

        var last = waiting.Register();

        // A reader of the first batch blocks its (pool) thread until the last batch has been woken: were the batches
        // woken one after another on one thread, the last would never be, and the wait below would time out.
        var blocked = first.ContinueWith(
            _ => last.Wait(TimeSpan.FromSeconds(30)),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        ReaderWakeUps.Wake(waiting.Take());

        (await blocked.WithPatience()).Should().BeTrue();
        second.IsCompletedSuccessfully.Should().BeTrue();
    }
}
