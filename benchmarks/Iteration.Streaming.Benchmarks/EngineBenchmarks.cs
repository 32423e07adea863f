using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.Benchmarks;

/// <summary>
/// The engine's own cost per event: a whole run (plan, phases, progress model, per-phase file saves to the in-memory sink,
/// serialise-once append to the event log, inline enumeration) with a generator that yields its files instantly.
/// </summary>
[MemoryDiagnoser]
public class EngineBenchmarks
{
    /// <summary>Events of one run: the stage events around 4 phases (1 entity) of <see cref="FilesPerPhase"/> file events each.</summary>
    public const int EventsPerRun = 1_014;

    private const int FilesPerPhase = 250;
    private ServiceProvider _services = null!;
    private IIterationEngine _engine = null!;
    private GenerationRequest _request = null!;

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection();
        services.AddIterationStreaming(o =>
            {
                o.MaxFilesPerGeneration = 1_000_000;
                o.MaxEventsPerGeneration = 1_000_000;
                o.RetainCompletedFor = TimeSpan.FromSeconds(1);
            })
            .AddPhaseGenerator(_ => new InstantGenerator())
            .AddInMemoryFileSink();
        _services = services.BuildServiceProvider();
        _engine = _services.GetRequiredService<IIterationEngine>();
        _request = new GenerationRequest("Build a task app", ["User"]);

        var events = RunAsync().GetAwaiter().GetResult();
        if (events != EventsPerRun)
        {
            throw new InvalidOperationException($"A run emitted {events} events; set EventsPerRun to it.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    [Benchmark(OperationsPerInvoke = EventsPerRun, Description = "engine overhead per event (instant generator, inline run)")]
    public async Task<int> RunAsync()
    {
        var events = 0;
        await foreach (var _ in _engine.RunAsync(_request))
        {
            events++;
        }

        return events;
    }

    /// <summary>Yields its files at once, without awaiting anything.</summary>
    private sealed class InstantGenerator : IPhaseGenerator
    {
        private static readonly string[] Paths = Enumerable.Range(0, FilesPerPhase).Select(i => $"src/File{i}.cs").ToArray();

        public async IAsyncEnumerable<GeneratedFile> GenerateAsync(PhaseContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var prefix = context.Phase.Number.ToString(System.Globalization.CultureInfo.InvariantCulture);
            foreach (var path in Paths)
            {
                yield return GeneratedFile.FromText(prefix + "/" + path, "// generated\n");
            }

            await Task.CompletedTask;
        }
    }
}
