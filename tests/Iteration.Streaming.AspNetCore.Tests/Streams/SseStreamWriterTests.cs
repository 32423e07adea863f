using System.IO.Pipelines;
using System.Text;
using Iteration.Streaming.AspNetCore.Diagnostics;
using Iteration.Streaming.AspNetCore.Streams;
using Iteration.Streaming.EventLog;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.AspNetCore.Tests.Streams;

public sealed class SseStreamWriterTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddIterationStreaming().AddPhaseGenerator<InstantPhaseGenerator>().Services.BuildServiceProvider();
    private readonly StreamMetrics _metrics = new(null);

    private IGenerationEventLog Log => _services.GetRequiredService<IGenerationEventLog>();

    public void Dispose() => _services.Dispose();

    private async Task<(string Id, List<EventLogEntry> Entries)> CompletedLogAsync(int progressEvents)
    {
        var id = Guid.NewGuid().ToString();
        await Log.CreateAsync(id);
        var entries = new List<EventLogEntry>();
        for (var i = 0; i < progressEvents; i++)
        {
            entries.Add(await Log.AppendAsync(TestEvents.Progress(id, i)));
        }

        entries.Add(await Log.AppendAsync(TestEvents.Completed(id)));
        return (id, entries);
    }

    private async Task<(bool Terminal, string Text, int Flushes)> RunAsync(string id)
    {
        // No back-pressure: the test reads only once the writer is done.
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        var writer = new CountingPipeWriter(pipe.Writer);
        await using var subscription = await Log.SubscribeAsync(id);

        var end = await SseStreamWriter.RunAsync(writer, subscription, TimeSpan.FromSeconds(2), TimeSpan.FromHours(1), TimeProvider.System, _metrics, lifetime: null, stopping: default, CancellationToken.None).WithPatience();
        var terminal = end == StreamEnd.Terminal;
        await pipe.Writer.CompleteAsync();
        var text = Encoding.UTF8.GetString((await pipe.Reader.ReadAtLeastAsync(int.MaxValue)).Buffer);
        return (terminal, text, writer.Flushes);
    }

    [Fact]
    public async Task RunAsync_ABurstThatIsReady_IsFlushedOnce()
    {
        var (id, entries) = await CompletedLogAsync(99);

        var (terminal, text, flushes) = await RunAsync(id);

        terminal.Should().BeTrue();
        flushes.Should().Be(1, "the retry line and 100 ready events go out in one write");
        text.Should().Be("retry: 2000\n\n" + string.Concat(entries.Select(e => Encoding.UTF8.GetString(e.Frame.Span))));
    }

    [Fact]
    public async Task RunAsync_AHugeBurst_IsFlushedInBoundedParts()
    {
        var (id, entries) = await CompletedLogAsync(4_999);
        var bytes = entries.Sum(e => e.Frame.Length);

        var (_, text, flushes) = await RunAsync(id);

        flushes.Should().BeInRange(2, (bytes / SseStreamWriter.FlushThresholdBytes) + 2);
        text.Length.Should().Be("retry: 2000\n\n".Length + bytes);
    }

    [Fact]
    public async Task RunAsync_RetryIntervalIsWrittenInMilliseconds()
    {
        var (id, _) = await CompletedLogAsync(0);
        var pipe = new Pipe();
        await using var subscription = await Log.SubscribeAsync(id);

        await SseStreamWriter.RunAsync(pipe.Writer, subscription, TimeSpan.FromSeconds(7.5), TimeSpan.FromHours(1), TimeProvider.System, _metrics, lifetime: null, stopping: default, CancellationToken.None).WithPatience();
        await pipe.Writer.CompleteAsync();

        Encoding.UTF8.GetString((await pipe.Reader.ReadAtLeastAsync(int.MaxValue)).Buffer).Should().StartWith("retry: 7500\n\n");
    }

    [Fact]
    public async Task RunAsync_Cancelled_StopsWaiting()
    {
        var id = Guid.NewGuid().ToString();
        await Log.CreateAsync(id);
        await using var subscription = await Log.SubscribeAsync(id);
        using var cancellation = new CancellationTokenSource();
        var pipe = new Pipe();

        var running = SseStreamWriter.RunAsync(pipe.Writer, subscription, TimeSpan.FromSeconds(2), TimeSpan.FromHours(1), TimeProvider.System, _metrics, lifetime: null, stopping: default, cancellation.Token);
        await cancellation.CancelAsync();

        await FluentActions.Awaiting(() => running.WithPatience()).Should().ThrowAsync<OperationCanceledException>();
    }

    /// <summary>Counts flushes on the way to a real pipe.</summary>
    private sealed class CountingPipeWriter(PipeWriter inner) : PipeWriter
    {
        public int Flushes { get; private set; }

        public override void Advance(int bytes) => inner.Advance(bytes);

        public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            Flushes++;
            return inner.FlushAsync(cancellationToken);
        }
    }
}
