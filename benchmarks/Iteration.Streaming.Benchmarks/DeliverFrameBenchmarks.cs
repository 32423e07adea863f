using System.Buffers;
using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Hosting;

namespace Iteration.Streaming.Benchmarks;

/// <summary>
/// Deliver a frame to a subscriber as the SSE writer does: TryRead the shared entry and copy its ready bytes into the
/// response's PipeWriter (here a pipe drained by the benchmark). The target is 0 bytes allocated per delivered frame.
/// </summary>
[MemoryDiagnoser]
public class DeliverFrameBenchmarks
{
    private const int Frames = 10_000;
    private InMemoryGenerationEventLog _log = null!;
    private Pipe _pipe = null!;
    private string _id = null!;

    [GlobalSetup]
    public void Setup()
    {
        (_log, _id) = BenchmarkEvents.FilledLog(Frames);
        _pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
    }

    [Benchmark(OperationsPerInvoke = Frames, Description = "deliver one frame: TryRead + write to the PipeWriter")]
    public long Deliver()
    {
        // One cursor per 10,000 frames: its 48 bytes round to 0 per frame.
        var subscription = _log.SubscribeAsync(_id).AsTask().GetAwaiter().GetResult();
        var writer = _pipe.Writer;
        long bytes = 0;
        var frames = 0;
        while (subscription.TryRead(out var entry))
        {
            writer.Write(entry.Frame.Span);
            bytes += entry.Frame.Length;
            if (++frames % 64 == 0)
            {
                Drain();
            }
        }

        Drain();
        return bytes;
    }

    private void Drain()
    {
        _pipe.Writer.FlushAsync().AsTask().GetAwaiter().GetResult();
        if (_pipe.Reader.TryRead(out var result))
        {
            _pipe.Reader.AdvanceTo(result.Buffer.End);
        }
    }
}
