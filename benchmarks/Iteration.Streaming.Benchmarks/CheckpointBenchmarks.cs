using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using BenchmarkDotNet.Attributes;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.Benchmarks;

/// <summary>
/// The CPU that phase checkpoints cost at the default rate: whole runs (1 entity, 4 phases) whose generator streams a
/// ~200 KB file per phase as live deltas of 100–400 characters (what a 250 ms live interval gives at ~100 tokens/s),
/// each report with a 48-byte resume state (a continuation token's size), with checkpoints off, written at every
/// report (<c>Checkpoints:Interval</c> 0) and at the default interval (1 s), on the in-memory checkpoint store and on
/// SQLite (a real file, <c>synchronous = FULL</c> as by default). The generator reports as fast as the engine takes
/// them, but on a clock it moves by the default live interval (250 ms) before each report, so the time-based
/// checkpoint interval sees the pace of a real model. <see cref="CheckpointCpuColumn"/> shows the process CPU time (every thread: the
/// engine, the SQLite writer, the GC) per phase and its ratio to checkpoints off on the same store, in the same run.
/// </summary>
[Config(typeof(CheckpointCpuConfig))]
public class CheckpointBenchmarks
{
    /// <summary>Phases of one run: 1 entity gives 4, each streaming <see cref="LiveFile"/>.</summary>
    public const int PhasesPerRun = 4;

    private static readonly LiveFile Stream = LiveFile.Create(200 * 1024);
    private readonly PacedClock _clock = new();
    private ServiceProvider _services = null!;
    private IIterationEngine _engine = null!;
    private string? _folder;

    /// <summary>Where the engine's records, events and checkpoints are kept.</summary>
    [Params("memory", "sqlite")]
    public string Store { get; set; } = "memory";

    /// <summary>The baseline: <c>IterationStreaming:Checkpoints:Enabled</c> false.</summary>
    public const string Off = "off";

    /// <summary>Checkpoints off, at every report (<c>Interval</c> 0), or at the default interval (1 s).</summary>
    [Params(Off, "every report", "default (1 s)")]
    public string Checkpoints { get; set; } = Off;

    /// <summary>The default live-progress interval of the chat-client generator: the clock moves this much before each report.</summary>
    public static readonly TimeSpan LiveInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>Reports per phase (the live deltas).</summary>
    public static int ReportsPerPhase => Stream.Deltas.Length;

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection().AddSingleton<TimeProvider>(_clock);
        var streaming = services.AddIterationStreaming(o =>
            {
                o.MaxEventsPerGeneration = 1_000_000;
                o.RetainCompletedFor = TimeSpan.FromSeconds(1);
                o.Checkpoints.Enabled = Checkpoints != Off;
                o.Checkpoints.Interval = Checkpoints == "every report" ? TimeSpan.Zero : TimeSpan.FromSeconds(1);
            })
            .AddPhaseGenerator(_ => new StreamingGenerator(_clock))
            .AddInMemoryFileSink();
        if (Store == "sqlite")
        {
            _folder = Directory.CreateTempSubdirectory("iteration-streaming-checkpoint-bench-").FullName;
            streaming.AddSqliteStore(Path.Combine(_folder, "bench.db"));
        }

        _services = services.BuildServiceProvider();
        _engine = _services.GetRequiredService<IIterationEngine>();
        CheckpointCpuColumn.Reset(this);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _services.Dispose();
        if (_folder is not null)
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Benchmark(OperationsPerInvoke = PhasesPerRun, Description = "run of 4 phases, each streaming 200 KB in live deltas")]
    public async Task<int> RunAsync()
    {
        var started = Process.GetCurrentProcess().TotalProcessorTime;
        var events = 0;
        await foreach (var progress in _engine.RunAsync(new GenerationRequest("Build a task app", ["User"])))
        {
            events++;
            if (progress.Status == GenerationStatus.Failed)
            {
                throw new InvalidOperationException("The run failed: " + progress.Error);
            }
        }

        CheckpointCpuColumn.Record(this, Process.GetCurrentProcess().TotalProcessorTime - started);
        return events;
    }

    /// <summary>The streamed file: its deltas (100 to 400 characters, in a fixed pseudo-random order) and its text.</summary>
    private sealed record LiveFile(string[] Deltas, string Text)
    {
        public static LiveFile Create(int length)
        {
            var random = new Random(27);
            var deltas = new List<string>();
            var text = new StringBuilder(length);
            var line = 0;
            while (text.Length < length)
            {
                var delta = new StringBuilder();
                var size = random.Next(100, 401);
                while (delta.Length < size)
                {
                    delta.Append(CultureInfo.InvariantCulture, $"    const value{line++} = compute(\"é\", {line});\n");
                }

                deltas.Add(delta.ToString(0, size));
                text.Append(deltas[^1]);
            }

            return new LiveFile([.. deltas], text.ToString());
        }
    }

    /// <summary>Streams <see cref="Stream"/> in each phase as live deltas with a resume state, then yields it.</summary>
    private sealed class StreamingGenerator(PacedClock clock) : IPhaseGenerator
    {
        public async IAsyncEnumerable<GeneratedFile> GenerateAsync(PhaseContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var path = "src/phase" + context.Phase.Number.ToString(CultureInfo.InvariantCulture) + "/App.tsx";
            var state = new byte[48];
            var offset = 0;
            for (var i = 0; i < Stream.Deltas.Length; i++)
            {
                state[0] = (byte)i;
                var delta = Stream.Deltas[i];
                clock.Advance(LiveInterval);
                await context.Progress.ReportLiveAsync(new PhaseLiveUpdate { File = path, Offset = offset, Text = delta, ResumeState = state }, cancellationToken);
                offset += delta.Length;
            }

            yield return GeneratedFile.FromText(path, Stream.Text);
        }
    }

    /// <summary>
    /// A clock the generator moves by hand (timestamps and now), whose timers are the system's: the engine's
    /// time-based decisions (the checkpoint interval, the estimates) see a model's pace while the run takes no wall time.
    /// </summary>
    private sealed class PacedClock : TimeProvider
    {
        private readonly long _start = System.GetTimestamp();
        private readonly DateTimeOffset _startUtc = System.GetUtcNow();
        private long _moved;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public void Advance(TimeSpan by) => Interlocked.Add(ref _moved, by.Ticks);

        public override long GetTimestamp() =>
            (long)((System.GetTimestamp() - _start) * ((double)TimeSpan.TicksPerSecond / System.TimestampFrequency)) + Interlocked.Read(ref _moved);

        public override DateTimeOffset GetUtcNow() => _startUtc + TimeSpan.FromTicks(GetTimestamp());

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            System.CreateTimer(callback, state, dueTime, period);
    }
}
