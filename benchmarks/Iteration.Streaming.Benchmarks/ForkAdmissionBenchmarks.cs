using System.Globalization;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.Benchmarks;

/// <summary>
/// <c>IIterationEngine.ForkAsync</c> to its answer (the 202 of <c>POST {prefix}/{id}/fork</c>: admission only) of a
/// completed 4-phase generation whose phase 1 wrote <see cref="FilesKept"/> files, on the file-system sink. Issue 26:
/// the time does not grow with the files kept (admission reads the record only; the run shares the content later).
/// Each fork's run (the later phases, one file each) is awaited after its measured call, outside the measurement.
/// With <see cref="SlotsFull"/> the engine's one run slot is held by a waiting generation, so each fork is queued and
/// its run does not start: the time of admission alone, without the fork's run starting beside it on the same cores
/// (cancelled after its measured call).
/// </summary>
[Config(typeof(LatencyConfig))]
[MemoryDiagnoser]
public class ForkAdmissionBenchmarks
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "iteration-streaming-bench", Guid.NewGuid().ToString("N"));
    private ServiceProvider _services = null!;
    private IIterationEngine _engine = null!;
    private string _source = null!;
    private string? _fork;
    private string? _blocker;
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    [Params(10, 2_000)]
    public int FilesKept { get; set; }

    [Params(false, true)]
    public bool SlotsFull { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection();
        services.AddIterationStreaming(o =>
            {
                o.MaxFilesPerGeneration = 10_000;
                o.MaxEventsPerGeneration = 100_000;
                o.MaxConcurrentGenerations = 1;
            })
            .AddPhaseGenerator(_ => new FirstPhaseWritesMany(FilesKept, _release.Task))
            .AddFileSystemSink(_root);
        _services = services.BuildServiceProvider();
        _engine = _services.GetRequiredService<IIterationEngine>();

        _source = RunToEndAsync(() => _engine.StartAsync(new GenerationRequest("Build a task app", ["User"])).AsTask()).GetAwaiter().GetResult();
        var files = _services.GetRequiredService<IFileSink>().GetManifestAsync(_source).AsTask().GetAwaiter().GetResult()!.Files.Count;
        if (files < FilesKept)
        {
            throw new InvalidOperationException($"The source saved {files} files, fewer than {FilesKept}.");
        }

        if (SlotsFull)
        {
            _blocker = _engine.StartAsync(new GenerationRequest(FirstPhaseWritesMany.WaitPrompt, ["User"])).AsTask().GetAwaiter().GetResult();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _release.TrySetResult();
        if (_blocker is not null)
        {
            EndAsync(_blocker, cancel: true).GetAwaiter().GetResult();
        }

        _services.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Benchmark(Description = "fork admission (202), from phase 1")]
    public async Task<string> ForkAsync() => _fork = await _engine.ForkAsync(new ForkRequest(_source, 1));

    [IterationCleanup]
    public void AwaitFork()
    {
        if (_fork is { } fork)
        {
            EndAsync(fork, cancel: SlotsFull).GetAwaiter().GetResult();
            _fork = null;
        }
    }

    /// <summary>Starts a run and reads its events until the terminal one, which must be completed.</summary>
    private async Task<string> RunToEndAsync(Func<Task<string>> start)
    {
        var id = await start();
        return await EndAsync(id, cancel: false) == GenerationStatus.Completed ? id : throw new InvalidOperationException($"Generation {id} did not complete.");
    }

    /// <summary>Reads the events of <paramref name="id"/> (cancelling it first when asked) until the terminal one; returns its status.</summary>
    private async Task<string> EndAsync(string id, bool cancel)
    {
        if (cancel)
        {
            await _engine.CancelAsync(id);
        }

        var subscription = await _engine.WatchAsync(id);
        await using (subscription)
        {
            while (await subscription.WaitToReadAsync())
            {
                while (subscription.TryRead(out var entry))
                {
                    if (entry.IsTerminal)
                    {
                        return entry.Event.Status;
                    }
                }
            }
        }

        throw new InvalidOperationException($"The events of generation {id} ended without a terminal one.");
    }

    /// <summary>Phase 1 writes the files a fork keeps; every later phase writes one file; a generation asked to wait waits.</summary>
    private sealed class FirstPhaseWritesMany(int files, Task release) : IPhaseGenerator
    {
        public const string WaitPrompt = "Wait until released";

        public async IAsyncEnumerable<GeneratedFile> GenerateAsync(PhaseContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            if (context.Prompt == WaitPrompt)
            {
                await release.WaitAsync(cancellationToken);
            }

            var phase = context.Phase.Number.ToString(CultureInfo.InvariantCulture);
            var count = context.Phase.Number == 1 ? files : 1;
            for (var i = 0; i < count; i++)
            {
                yield return GeneratedFile.FromText($"src/phase{phase}/File{i}.cs", $"// phase {phase}, file {i}\nclass File{i} {{ }}\n");
            }

            await Task.CompletedTask;
        }
    }
}
