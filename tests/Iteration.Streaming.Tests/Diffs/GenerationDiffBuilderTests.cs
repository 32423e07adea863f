using System.Text;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Diffs;
using Iteration.Streaming.Files;
using Iteration.Streaming.Tests.Files;
using static Iteration.Streaming.Tests.Files.FileSystemSinkInspector;

namespace Iteration.Streaming.Tests.Diffs;

/// <summary>
/// Diffs of a phased generation on the file-system sink, through <see cref="GenerationDiffBuilder"/> and
/// <see cref="GenerationPatch"/>: the patch applied by real <c>git apply</c> to a phase's files gives the files now,
/// and the files a limit or their content leaves out are listed and named.
/// </summary>
public sealed class GenerationDiffBuilderTests : IDisposable
{
    private static readonly GenerationDiffLimits Defaults = new() { MaxFiles = 1_000, MaxFileBytes = 1024 * 1024, MaxTotalBytes = 16 * 1024 * 1024 };

    private readonly TempFolder _folder = new();
    private readonly FileSystemFileSink _sink;
    private readonly FileStates _states;

    public GenerationDiffBuilderTests()
    {
        _sink = NewSink(_folder.Path);
        _states = new FileStates(_sink);
    }

    public void Dispose()
    {
        _sink.Dispose();
        _folder.Dispose();
    }

    /// <summary>Three phases: phase 1 lays out an app, phases 2 and 3 modify, add and delete (LF, CRLF, no final newline, spaces, non-ASCII).</summary>
    private static readonly GeneratedFile[][] Phases =
    [
        [
            Text("src/app.cs", "using System;\n\nclass App\n{\n    static void Main()\n    {\n        Console.WriteLine(\"hi\");\n    }\n}\n"),
            Text("src/util.cs", "static class Util\n{\n    public static int One => 1;\n}\n"),
            Text("README.md", "# App\r\n\r\nA small app.\r\n"),
            Text("docs/read me.txt", "first\nsecond"),
            Text("docs/café.md", "crème\n"),
            Text("old.txt", "to be deleted\n"),
            Text("same.txt", "never changes\n"),
        ],
        [
            Text("src/app.cs", "using System;\n\nclass App\n{\n    static void Main()\n    {\n        Console.WriteLine(\"hello\");\n        Console.WriteLine(Util.One);\n    }\n}\n"),
            Text("README.md", "# App\r\n\r\nA small app.\r\nNow with a second line.\r\n"),
            GeneratedFile.Delete("old.txt"),
            Text("src/new.cs", "class New { }"),
        ],
        [
            Text("docs/read me.txt", "first\nsecond\n"),
            Text("docs/café.md", "crème brûlée\n"),
            Text("src/util.cs", "static class Util\n{\n    public static int One => 1;\n\n    public static int Two => 2;\n}\n"),
            Text("empty.txt", string.Empty),
        ],
    ];

    private async Task<string> SaveGenerationAsync(params GeneratedFile[][] phases)
    {
        var id = NewId();
        await _sink.CreateAsync(id, null);
        for (var i = 0; i < phases.Length; i++)
        {
            await _sink.SavePhaseAsync(id, i + 1, phases[i]);
        }

        await _sink.CompleteAsync(id);
        return id;
    }

    private async Task<GenerationDiff> DiffAsync(string id, string against, GenerationDiffLimits? limits = null)
    {
        var reference = StateReference.Parse(against, "against");
        var older = await _states.ResolveAsync(id, reference, "against", CancellationToken.None);
        var newer = await _states.CurrentAsync(id, CancellationToken.None);
        return await new GenerationDiffBuilder(_states).BuildAsync(older, newer, against, limits ?? Defaults, CancellationToken.None);
    }

    private static async Task<string> PatchAsync(GenerationDiff diff)
    {
        var writer = new StringWriter();
        await GenerationPatch.WriteAsync(diff, writer);
        return writer.ToString();
    }

    private async Task<SortedDictionary<string, byte[]>> FilesAsync(FileState state)
    {
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var file in state.Files)
        {
            await using var stream = (await _states.OpenAsync(state, file, CancellationToken.None))!;
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            files[file.Path] = copy.ToArray();
        }

        return files;
    }

    private async Task<GitRepository> RepositoryAtAsync(string id, int phase)
    {
        var repository = await GitRepository.CreateAsync();
        var state = await _states.ResolveAsync(id, new StateReference(null, phase), "against", CancellationToken.None);
        foreach (var (path, bytes) in await FilesAsync(state))
        {
            repository.WriteFile(path, Encoding.UTF8.GetString(bytes));
        }

        return repository;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task WriteAsync_PatchOfAPhaseAgainstNow_GitApplyToThatPhasesFilesGivesTheFilesNow(int phase)
    {
        var id = await SaveGenerationAsync(Phases);
        var diff = await DiffAsync(id, $"phase:{phase}");
        var patch = await PatchAsync(diff);
        using var repository = await RepositoryAtAsync(id, phase);

        var result = await repository.ApplyAsync(patch);

        result.ExitCode.Should().Be(0, "git apply refused the patch: {0}\n{1}", result.Error, patch);
        var now = await FilesAsync(await _states.CurrentAsync(id, CancellationToken.None));
        repository.Files().Should().BeEquivalentTo(now, o => o.WithStrictOrdering());
    }

    [Fact]
    public async Task BuildAsync_PhaseOneAgainstNow_ListsEveryPathWithItsChangeAndLineCounts()
    {
        var id = await SaveGenerationAsync(Phases);

        var diff = await DiffAsync(id, "phase:1");

        diff.Files.Select(f => (f.Path, f.Change, f.AddedLines, f.DeletedLines)).Should().Equal(
            ("README.md", FileChangeKinds.Modified, 1, 0),
            ("docs/café.md", FileChangeKinds.Modified, 1, 1),
            ("docs/read me.txt", FileChangeKinds.Modified, 1, 1),
            ("empty.txt", FileChangeKinds.Added, 0, 0),
            ("old.txt", FileChangeKinds.Deleted, 0, 1),
            ("same.txt", FileChangeKinds.Unchanged, null, null),
            ("src/app.cs", FileChangeKinds.Modified, 2, 1),
            ("src/new.cs", FileChangeKinds.Added, 1, 0),
            ("src/util.cs", FileChangeKinds.Modified, 2, 0));
        diff.Summary.Should().BeEquivalentTo(new GenerationDiffSummary { Added = 2, Modified = 5, Deleted = 1, Unchanged = 1, AddedLines = 8, DeletedLines = 4 });
    }

    [Fact]
    public async Task WriteAsync_BinaryFileChanged_LeavesItOutAndNamesItInThePreamble()
    {
        var id = await SaveGenerationAsync(
            [Text("a.txt", "a\n"), new GeneratedFile { Path = "img/logo.png", Content = new byte[] { 0x89, 0x50, 0x4E, 0x47, 0, 1 } }],
            [Text("a.txt", "b\n"), new GeneratedFile { Path = "img/logo.png", Content = new byte[] { 0x89, 0x50, 0x4E, 0x47, 0, 2 } }]);

        var diff = await DiffAsync(id, "phase:1");
        var patch = await PatchAsync(diff);

        diff.Files.Single(f => f.Path == "img/logo.png").Should().Match<GenerationFileDiff>(f => f.Skipped == DiffSkipReasons.Binary && f.Diff == null);
        patch.Should().Contain("\n#   binary modified img/logo.png\n").And.Contain("diff --git a/a.txt b/a.txt\n").And.NotContain("diff --git a/img/logo.png");
    }

    [Fact]
    public async Task WriteAsync_FileOverMaxFileBytes_LeavesItOutAsTooLargeAndTheRestApplies()
    {
        var id = await SaveGenerationAsync(
            [Text("big.txt", new string('x', 100) + "\n"), Text("small.txt", "a\n")],
            [Text("big.txt", new string('y', 100) + "\n"), Text("small.txt", "b\n")]);
        var diff = await DiffAsync(id, "phase:1", Defaults with { MaxFileBytes = 50 });
        var patch = await PatchAsync(diff);
        using var repository = await RepositoryAtAsync(id, 1);

        var result = await repository.ApplyAsync(patch);

        diff.Files.Single(f => f.Path == "big.txt").Skipped.Should().Be(DiffSkipReasons.TooLarge);
        diff.Truncated.Should().BeTrue();
        patch.Should().Contain("\n#   too_large modified big.txt\n");
        result.ExitCode.Should().Be(0, result.Error);
        Encoding.UTF8.GetString(repository.ReadBytes("small.txt")).Should().Be("b\n");
    }

    [Fact]
    public async Task WriteAsync_MoreChangedFilesThanMaxFiles_LeavesTheRestOutAsOverLimit()
    {
        var id = await SaveGenerationAsync(
            [Text("a.txt", "1\n"), Text("b.txt", "1\n"), Text("c.txt", "1\n")],
            [Text("a.txt", "2\n"), Text("b.txt", "2\n"), Text("c.txt", "2\n")]);

        var diff = await DiffAsync(id, "phase:1", Defaults with { MaxFiles = 2 });
        var patch = await PatchAsync(diff);

        diff.Files.Select(f => f.Skipped).Should().Equal(null, null, DiffSkipReasons.OverLimit);
        patch.Should().Contain("# Not in this patch: 1 changed file (limits: 2 files,").And.Contain("\n#   over_limit modified c.txt\n").And.NotContain("diff --git a/c.txt");
    }

    [Fact]
    public async Task WriteAsync_ChangesPastMaxTotalBytes_LeavesThemOutAsOverLimit()
    {
        var id = await SaveGenerationAsync(
            [Text("a.txt", "1111\n"), Text("b.txt", "1111\n")],
            [Text("a.txt", "2222\n"), Text("b.txt", "2222\n")]);

        var diff = await DiffAsync(id, "phase:1", Defaults with { MaxTotalBytes = 15 });
        var patch = await PatchAsync(diff);

        diff.Files.Select(f => f.Skipped).Should().Equal(null, DiffSkipReasons.OverLimit);
        patch.Should().Contain("\n#   over_limit modified b.txt\n");
    }
}
