using System.Buffers;
using System.IO.Pipelines;
using Iteration.Streaming.AspNetCore.Streams;
using Iteration.Streaming.EventLog;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.AspNetCore.Tests.Streams;

public sealed class StreamWaiterTests : IAsyncLifetime
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    private readonly ServiceProvider _services = new ServiceCollection().AddIterationStreaming().AddPhaseGenerator<InstantPhaseGenerator>().Services.BuildServiceProvider();
    private readonly FakeTimeProvider _time = new();
    private readonly string _id = Guid.NewGuid().ToString();
    private CountingSubscription _subscription = null!;

    private IGenerationEventLog Log => _services.GetRequiredService<IGenerationEventLog>();

    public async Task InitializeAsync()
    {
        await Log.CreateAsync(_id);
        _subscription = new CountingSubscription(await Log.SubscribeAsync(_id));
    }

    public async Task DisposeAsync()
    {
        await _subscription.DisposeAsync();
        await _services.DisposeAsync();
    }

    [Fact]
    public async Task WaitAsync_EntryAlreadyAppended_CompletesAtOnceWithReady()
    {
        await Log.AppendAsync(TestEvents.Progress(_id, 1));
        using var waiter = Waiter(_subscription, CancellationToken.None);

        var wait = waiter.WaitAsync();

        wait.IsCompletedSuccessfully.Should().BeTrue();
        (await wait).Should().Be(StreamWaiter.Wake.Ready);
    }

    [Fact]
    public async Task WaitAsync_EntryAppendedWhileWaiting_ReturnsReady()
    {
        using var waiter = Waiter(_subscription, CancellationToken.None);
        var wait = waiter.WaitAsync().AsTask();

        await Log.AppendAsync(TestEvents.Progress(_id, 1));

        (await wait.WithPatience()).Should().Be(StreamWaiter.Wake.Ready);
    }

    [Fact]
    public async Task WaitAsync_NothingForTheHeartbeatInterval_ReturnsHeartbeat()
    {
        using var waiter = Waiter(_subscription, CancellationToken.None);
        var wait = waiter.WaitAsync().AsTask();

        _time.Advance(Heartbeat);

        (await wait.WithPatience()).Should().Be(StreamWaiter.Wake.Heartbeat);
    }

    [Fact]
    public void WaitAsync_LessThanTheHeartbeatInterval_KeepsWaiting()
    {
        using var waiter = Waiter(_subscription, CancellationToken.None);
        var wait = waiter.WaitAsync();

        _time.Advance(Heartbeat - TimeSpan.FromMilliseconds(1));

        wait.IsCompleted.Should().BeFalse();
    }

    [Fact]
    public async Task WaitAsync_AfterHeartbeats_ReturnsTheNextEntryWithoutSubscribingAgain()
    {
        using var waiter = Waiter(_subscription, CancellationToken.None);
        for (var i = 0; i < 3; i++)
        {
            var idle = waiter.WaitAsync().AsTask();
            _time.Advance(Heartbeat);
            (await idle.WithPatience()).Should().Be(StreamWaiter.Wake.Heartbeat);
        }

        var wait = waiter.WaitAsync().AsTask();
        await Log.AppendAsync(TestEvents.Progress(_id, 1));

        (await wait.WithPatience()).Should().Be(StreamWaiter.Wake.Ready);
        _subscription.Waits.Should().Be(1, "the subscription's wait stays pending across heartbeats instead of piling up new ones");
    }

    [Fact]
    public async Task WaitAsync_EntryArrivedBetweenAHeartbeatAndTheNextWait_ReturnsReadyAtOnce()
    {
        using var waiter = Waiter(_subscription, CancellationToken.None);
        var idle = waiter.WaitAsync().AsTask();
        _time.Advance(Heartbeat);
        (await idle.WithPatience()).Should().Be(StreamWaiter.Wake.Heartbeat);

        await Log.AppendAsync(TestEvents.Progress(_id, 1));
        await _subscription.WaitCompleted.WithPatience();

        (await waiter.WaitAsync().AsTask().WithPatience()).Should().Be(StreamWaiter.Wake.Ready);
    }

    [Fact]
    public async Task WaitAsync_TerminalEventRead_ReturnsEnded()
    {
        await Log.AppendAsync(TestEvents.Completed(_id));
        _subscription.TryRead(out _).Should().BeTrue();
        using var waiter = Waiter(_subscription, CancellationToken.None);

        (await waiter.WaitAsync()).Should().Be(StreamWaiter.Wake.Ended);
    }

    [Fact]
    public async Task WaitAsync_CancelledWhileWaiting_ThrowsOperationCanceled()
    {
        using var cancellation = new CancellationTokenSource();
        using var waiter = Waiter(_subscription, cancellation.Token);
        var wait = waiter.WaitAsync().AsTask();

        await cancellation.CancelAsync();

        await FluentActions.Awaiting(() => wait.WithPatience()).Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task WaitAsync_LifetimeShorterThanTheHeartbeat_ReturnsLifetimeReachedAtItsEnd()
    {
        using var waiter = new StreamWaiter(_subscription, Heartbeat, _time, writer: null, lifetime: TimeSpan.FromSeconds(4), stopping: default, CancellationToken.None);
        var wait = waiter.WaitAsync().AsTask();

        _time.Advance(TimeSpan.FromSeconds(4) - TimeSpan.FromMilliseconds(100));
        wait.IsCompleted.Should().BeFalse();
        _time.Advance(TimeSpan.FromMilliseconds(100));

        (await wait.WithPatience()).Should().Be(StreamWaiter.Wake.LifetimeReached);
        waiter.Closing.Should().Be(StreamWaiter.Wake.LifetimeReached);
    }

    [Fact]
    public async Task WaitAsync_LifetimeOfSeveralHeartbeats_HeartbeatsThenLifetimeReachedOnTime()
    {
        var lifetime = (2 * Heartbeat) + TimeSpan.FromSeconds(5);
        using var waiter = new StreamWaiter(_subscription, Heartbeat, _time, writer: null, lifetime, stopping: default, CancellationToken.None);

        for (var i = 0; i < 2; i++)
        {
            var idle = waiter.WaitAsync().AsTask();
            _time.Advance(Heartbeat);
            (await idle.WithPatience()).Should().Be(StreamWaiter.Wake.Heartbeat);
        }

        var wait = waiter.WaitAsync().AsTask();
        _time.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromMilliseconds(100));
        wait.IsCompleted.Should().BeFalse("the lifetime has 100 ms left");
        _time.Advance(TimeSpan.FromMilliseconds(100));

        (await wait.WithPatience()).Should().Be(StreamWaiter.Wake.LifetimeReached, "the tick after the last heartbeat lands on the lifetime's end, not a heartbeat later");
    }

    [Fact]
    public async Task WaitAsync_HostStoppingWhileWaiting_ReturnsHostStopping()
    {
        using var stopping = new CancellationTokenSource();
        using var waiter = new StreamWaiter(_subscription, Heartbeat, _time, writer: null, lifetime: null, stopping.Token, CancellationToken.None);
        var wait = waiter.WaitAsync().AsTask();

        await stopping.CancelAsync();

        (await wait.WithPatience()).Should().Be(StreamWaiter.Wake.HostStopping);
        (await waiter.WaitAsync()).Should().Be(StreamWaiter.Wake.HostStopping, "every later wait says the same");
    }

    [Fact]
    public async Task WaitAsync_HostStoppingWhileAFlushWaitsOnASlowClient_CancelsTheFlushAndTheNextWaitSaysWhy()
    {
        // A pipe whose reader never reads: the flush past the pause threshold waits, as for a client that stopped reading.
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 16, resumeWriterThreshold: 8));
        using var stopping = new CancellationTokenSource();
        using var waiter = new StreamWaiter(_subscription, Heartbeat, _time, pipe.Writer, lifetime: null, stopping.Token, CancellationToken.None);
        pipe.Writer.Write(new byte[64]);
        var flush = pipe.Writer.FlushAsync().AsTask();
        flush.IsCompleted.Should().BeFalse();

        await stopping.CancelAsync();

        (await flush.WithPatience()).IsCanceled.Should().BeTrue();
        (await waiter.WaitAsync()).Should().Be(StreamWaiter.Wake.HostStopping);
    }

    [Fact]
    public void Dispose_ThenHostStopping_NothingHappens()
    {
        using var stopping = new CancellationTokenSource();
        var waiter = new StreamWaiter(_subscription, Heartbeat, _time, writer: null, lifetime: TimeSpan.FromSeconds(1), stopping.Token, CancellationToken.None);

        waiter.Dispose();
        stopping.Cancel();
        _time.Advance(TimeSpan.FromSeconds(5));

        waiter.Closing.Should().BeNull();
    }

    [Fact]
    public async Task WaitAsync_AlreadyCancelled_Throws()
    {
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();
        using var waiter = Waiter(_subscription, cancellation.Token);

        var act = () => waiter.WaitAsync();

        act.Should().Throw<OperationCanceledException>();
    }

    [Fact]
    public async Task WaitAsync_SubscriptionWaitFails_ThrowsItsException()
    {
        var failing = new FailingSubscription();
        using var waiter = Waiter(failing, CancellationToken.None);
        var wait = waiter.WaitAsync().AsTask();

        failing.Fail(new InvalidOperationException("backplane down"));

        await FluentActions.Awaiting(() => wait.WithPatience()).Should().ThrowAsync<InvalidOperationException>().WithMessage("backplane down");
    }

    [Fact]
    public async Task WaitAsync_ManyEntriesOneAtATime_ReturnsReadyForEach()
    {
        using var waiter = Waiter(_subscription, CancellationToken.None);
        for (var i = 0; i < 200; i++)
        {
            var wait = waiter.WaitAsync().AsTask();
            await Log.AppendAsync(TestEvents.Progress(_id, i));

            (await wait.WithPatience()).Should().Be(StreamWaiter.Wake.Ready);
            _subscription.TryRead(out var entry).Should().BeTrue();
            entry!.Sequence.Should().Be(i + 1);
        }
    }

    /// <summary>Counts waits on a real subscription and tells when the last one completed.</summary>
    /// <summary>A waiter with the heartbeat, ended by nothing but <paramref name="cancellationToken"/> (the client leaving).</summary>
    private StreamWaiter Waiter(EventLogSubscription subscription, CancellationToken cancellationToken) =>
        new(subscription, Heartbeat, _time, writer: null, lifetime: null, stopping: default, cancellationToken);

    private sealed class CountingSubscription(EventLogSubscription inner) : EventLogSubscription
    {
        private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Waits { get; private set; }

        public Task WaitCompleted => _completed.Task;

        public override string GenerationId => inner.GenerationId;

        public override bool IsAlreadyComplete => inner.IsAlreadyComplete;

        public override long LastSequence => inner.LastSequence;

        public override bool TryRead([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out EventLogEntry? entry) => inner.TryRead(out entry);

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default)
        {
            Waits++;
            return new ValueTask<bool>(CompleteAsync(inner.WaitToReadAsync(cancellationToken)));
        }

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            await base.DisposeAsync();
        }

        private async Task<bool> CompleteAsync(ValueTask<bool> wait)
        {
            var result = await wait;
            _completed.TrySetResult();
            return result;
        }
    }

    /// <summary>A subscription whose wait fails on demand, as a backplane's can.</summary>
    private sealed class FailingSubscription : EventLogSubscription
    {
        private readonly TaskCompletionSource<bool> _wait = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override string GenerationId => "g";

        public override bool IsAlreadyComplete => false;

        public override long LastSequence => 0;

        public void Fail(Exception exception) => _wait.SetException(exception);

        public override bool TryRead([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out EventLogEntry? entry)
        {
            entry = null;
            return false;
        }

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) => new(_wait.Task);
    }
}
