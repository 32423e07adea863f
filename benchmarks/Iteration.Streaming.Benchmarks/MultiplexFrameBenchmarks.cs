using System.Buffers;
using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;
using Iteration.Streaming.AspNetCore.Streams.Multiplex;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Hosting;

namespace Iteration.Streaming.Benchmarks;

/// <summary>
/// Issue 25: one delivered frame on a multiplexed stream against one on a single stream, the server's own work only
/// (no socket): 20 generations of 500 events each. Single: each generation's subscription read to its end, every
/// frame copied into a <see cref="PipeWriter"/> as the single stream does. Multiplexed: one
/// <c>MultiplexSubscription</c> over the same 20 subscriptions, each entry taken in turn (its lock, its ready queue) and
/// written with its own cursor (<c>id: 1w.{tag}.{s1},…,{s20}.{check}</c> before the data line).
/// </summary>
/// <remarks>The multiplexed types are internal to Iteration.Streaming.AspNetCore, visible to the benchmarks: the shipped code runs, not a copy.</remarks>
[MemoryDiagnoser]
public class MultiplexFrameBenchmarks
{
    private const int Generations = 20;
    private const int EventsPerGeneration = 500;
    private const int Frames = Generations * EventsPerGeneration;

    private static readonly CursorSeal Seal = new(new byte[32], "AAAAAAAAAAA");

    private InMemoryGenerationEventLog _log = null!;
    private string[] _ids = null!;
    private Pipe _pipe = null!;

    [GlobalSetup]
    public void Setup()
    {
        _log = new InMemoryGenerationEventLog(
            new EventLogBenchmarks.FixedOptions(new IterationStreamingOptions { MaxEventsPerGeneration = 1_000_000 }),
            TimeProvider.System);
        _ids = new string[Generations];
        for (var g = 0; g < Generations; g++)
        {
            _ids[g] = Guid.NewGuid().ToString();
            _log.CreateAsync(_ids[g]).AsTask().GetAwaiter().GetResult();
            for (var i = 0; i < EventsPerGeneration; i++)
            {
                _log.AppendAsync(BenchmarkEvents.FileProgress(_ids[g], i)).AsTask().GetAwaiter().GetResult();
            }
        }

        _pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Frames, Description = "single stream: TryRead + copy the frame")]
    public long SingleStream()
    {
        var writer = _pipe.Writer;
        long bytes = 0;
        var frames = 0;
        foreach (var id in _ids)
        {
            var subscription = _log.SubscribeAsync(id).AsTask().GetAwaiter().GetResult();
            while (subscription.TryRead(out var entry))
            {
                writer.Write(entry.Frame.Span);
                bytes += entry.Frame.Length;
                if (++frames % 64 == 0)
                {
                    Drain();
                }
            }

            subscription.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        Drain();
        return bytes;
    }

    [Benchmark(OperationsPerInvoke = Frames, Description = "multiplexed stream: TryRead over 20 members + write with the cursor")]
    public long MultiplexedStream()
    {
        var stream = new MultiplexSubscription("benchmark", "1w.AAAAAAAAAAA.", endsWhenDone: true, Seal, keyed: false);
        foreach (var id in _ids)
        {
            stream.Add(MultiplexMember.Following(id, keyed: false, _log.SubscribeAsync(id).AsTask().GetAwaiter().GetResult(), 0));
        }

        var writer = _pipe.Writer;
        long bytes = 0;
        var frames = 0;
        while (frames < Frames && stream.TryRead(out var entry))
        {
            bytes += stream.WriteFrame(writer, entry);
            if (++frames % 64 == 0)
            {
                Drain();
            }
        }

        Drain();
        stream.DisposeAsync().AsTask().GetAwaiter().GetResult();
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
