using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.Benchmarks;

/// <summary><c>IIterationEngine.DiffAsync</c> of 200 files / 2 MB on the file-system sink (issue 26).</summary>
/// <remarks>
/// <c>IIterationEngine.DiffAsync</c> on the file-system sink (issue 26): a generation of 200 files, 2 MB, whose phase 2
/// modified 30 % of them (three hunks each), added 10 and deleted 10, diffed against its phase 1 (both states read from
/// the manifest's history, every changed file read from disk on both sides and diffed). Target: p99 within 50 ms. The
/// baseline diffs the same state against itself: the manifests and history alone, no file read. Beside it, for where
/// the time goes: the line diffs alone (the same 80 files' texts in memory), and the same diff through a sink that reads
/// each manifest once per diff (<see cref="ManifestOnceFileSink"/>).
/// </remarks>
[Config(typeof(LatencyConfig))]
[MemoryDiagnoser]
public class DiffBenchmarks
{
    public const int Files = 200;
    public const int FileBytes = 10_000;
    public const int Modified = 60;
    public const int AddedAndDeleted = 10;

    private readonly string _root = Path.Combine(Path.GetTempPath(), "iteration-streaming-bench", Guid.NewGuid().ToString("N"));
    private ServiceProvider _services = null!;
    private IIterationEngine _engine = null!;
    private string _id = null!;
    private (string Path, string? Old, string? New)[] _changes = null!;
    private ManifestOnceFileSink _manifestOnce = null!;
    private Diffs.FileStates _manifestOnceStates = null!;

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection();
        services.AddIterationStreaming(o => o.MaxFilesPerGeneration = 10_000)
            .AddPhaseGenerator(_ => new NoGenerator())
            .AddFileSystemSink(_root);
        _services = services.BuildServiceProvider();
        _engine = _services.GetRequiredService<IIterationEngine>();
        var sink = _services.GetRequiredService<IFileSink>();
        (_id, _changes) = SaveAsync(sink).GetAwaiter().GetResult();
        _manifestOnce = new ManifestOnceFileSink(sink, _root);
        _manifestOnceStates = new Diffs.FileStates(_manifestOnce);

        var diff = DiffAsync().GetAwaiter().GetResult();
        var summary = diff.Summary;
        if (summary.Modified != Modified || summary.Added != AddedAndDeleted || summary.Deleted != AddedAndDeleted || diff.Truncated)
        {
            throw new InvalidOperationException($"The diff is not the one described: {summary}, truncated {diff.Truncated}.");
        }

        var once = ManifestOnceAsync().GetAwaiter().GetResult();
        if (!once.Files.Select(f => f.Diff).SequenceEqual(diff.Files.Select(f => f.Diff)))
        {
            throw new InvalidOperationException("The diff through the manifest-once sink differs from the engine's.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _services.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "200 files, no change (manifests and history only)")]
    public Task<GenerationDiff> UnchangedAsync() => _engine.DiffAsync(_id, "phase:2").AsTask();

    [Benchmark(Description = "200 files / 2 MB, 60 modified + 10 added + 10 deleted")]
    public Task<GenerationDiff> DiffAsync() => _engine.DiffAsync(_id, "phase:1").AsTask();

    [Benchmark(Description = "line diffs alone (the 80 changed files' texts in memory)")]
    public int LineDiffs()
    {
        var lines = 0;
        foreach (var (path, oldText, newText) in _changes)
        {
            lines += Diffs.UnifiedDiff.Create(path, oldText, newText).AddedLines;
        }

        return lines;
    }

    [Benchmark(Description = "200 files / 2 MB, each manifest read once per diff (what-if)")]
    public async Task<GenerationDiff> ManifestOnceAsync()
    {
        _manifestOnce.Forget();
        var newer = await _manifestOnceStates.CurrentAsync(_id, CancellationToken.None);
        var older = await _manifestOnceStates.ResolveAsync(_id, new Diffs.StateReference(null, 1), "against", CancellationToken.None);
        var limits = new GenerationDiffLimits { MaxFiles = 1_000, MaxFileBytes = 1024 * 1024, MaxTotalBytes = 16 * 1024 * 1024 };
        return await new Diffs.GenerationDiffBuilder(_manifestOnceStates).BuildAsync(older, newer, "phase:1", limits, CancellationToken.None);
    }

    private static async Task<(string Id, (string Path, string? Old, string? New)[] Changes)> SaveAsync(IFileSink sink)
    {
        var changes = new List<(string Path, string? Old, string? New)>();
        var random = new Random(26);
        var id = Guid.NewGuid().ToString();
        var texts = Enumerable.Range(0, Files).Select(i => SourceFiles.Create(i, FileBytes, random)).ToArray();
        await sink.CreateAsync(id, null);
        await sink.SavePhaseAsync(id, 1, texts.Select((text, i) => GeneratedFile.FromText(PathOf(i), text)).ToArray());

        // Every third file (from the first) modified, the last ten deleted, ten new ones.
        var phase2 = new List<GeneratedFile>();
        for (var i = 0; i < Modified; i++)
        {
            var edited = SourceFiles.Edit(texts[i * 3], hunks: 3, random);
            phase2.Add(GeneratedFile.FromText(PathOf(i * 3), edited));
            changes.Add((PathOf(i * 3), texts[i * 3], edited));
        }

        for (var i = 0; i < AddedAndDeleted; i++)
        {
            var added = SourceFiles.Create(Files + i, FileBytes, random);
            phase2.Add(GeneratedFile.Delete(PathOf(Files - 1 - i)));
            phase2.Add(GeneratedFile.FromText($"src/Added/New{i}.cs", added));
            changes.Add((PathOf(Files - 1 - i), texts[Files - 1 - i], null));
            changes.Add(($"src/Added/New{i}.cs", null, added));
        }

        await sink.SavePhaseAsync(id, 2, phase2);
        await sink.CompleteAsync(id);
        return (id, changes.ToArray());
    }

    private static string PathOf(int index) => $"src/Module{index / 10}/Service{index}.cs";

    /// <summary>The engine needs a generator; these generations are saved through the sink directly.</summary>
    private sealed class NoGenerator : IPhaseGenerator
    {
        public async IAsyncEnumerable<GeneratedFile> GenerateAsync(PhaseContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.CompletedTask;
            yield break;
        }
    }
}
