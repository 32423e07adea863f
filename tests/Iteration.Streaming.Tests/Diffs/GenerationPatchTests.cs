using Iteration.Streaming.Contracts;
using Iteration.Streaming.Diffs;

namespace Iteration.Streaming.Tests.Diffs;

/// <summary>The patch text of a whole diff: its preamble, its file diffs in order, and what git makes of an empty one.</summary>
public sealed class GenerationPatchTests
{
    private static GenerationDiff Diff(params GenerationFileDiff[] files) => new()
    {
        GenerationId = "gen-2",
        Against = "gen-1",
        AgainstGenerationId = "gen-1",
        Files = files,
        Summary = new GenerationDiffSummary
        {
            Added = files.Count(f => f.Change == FileChangeKinds.Added),
            Modified = files.Count(f => f.Change == FileChangeKinds.Modified),
            Deleted = files.Count(f => f.Change == FileChangeKinds.Deleted),
            Unchanged = files.Count(f => f.Change == FileChangeKinds.Unchanged),
        },
        Limits = new GenerationDiffLimits { MaxFiles = 10, MaxFileBytes = 100, MaxTotalBytes = 1000 },
    };

    private static GenerationFileDiff Changed(string path, string? oldText, string? newText)
    {
        var diff = UnifiedDiff.Create(path, oldText, newText);
        return new GenerationFileDiff
        {
            Path = path,
            Change = oldText is null ? FileChangeKinds.Added : newText is null ? FileChangeKinds.Deleted : FileChangeKinds.Modified,
            AddedLines = diff.AddedLines,
            DeletedLines = diff.DeletedLines,
            Diff = diff.Text,
        };
    }

    private static GenerationFileDiff Skipped(string path, string change, string reason) => new() { Path = path, Change = change, Skipped = reason };

    private static async Task<string> WriteAsync(GenerationDiff diff)
    {
        var writer = new StringWriter();
        await GenerationPatch.WriteAsync(diff, writer);
        return writer.ToString();
    }

    [Fact]
    public async Task WriteAsync_ChangedFiles_WritesThePreambleThenEachDiffInOrder()
    {
        var a = Changed("a.txt", "1\n", "2\n");
        var b = Changed("b.txt", null, "new\n");

        var patch = await WriteAsync(Diff(a, b, new GenerationFileDiff { Path = "c.txt", Change = FileChangeKinds.Unchanged }));

        patch.Should().Be(
            "# Changes of generation gen-2 against gen-1\n"
            + "# 1 added, 1 modified, 0 deleted, 1 unchanged; 0 lines added, 0 deleted\n"
            + a.Diff + b.Diff);
    }

    [Fact]
    public async Task WriteAsync_AgainstAPhase_NamesThePhaseAndItsGeneration()
    {
        var patch = await WriteAsync(Diff(Changed("a.txt", "1\n", "2\n")) with { Against = "phase:2", AgainstGenerationId = "gen-2", AgainstPhase = 2 });

        patch.Should().StartWith("# Changes of generation gen-2 against phase:2 (generation gen-2)\n");
    }

    [Fact]
    public async Task WriteAsync_SkippedFiles_NamesEachWithItsReasonInThePreamble()
    {
        var patch = await WriteAsync(Diff(
            Changed("a.txt", "1\n", "2\n"),
            Skipped("big.json", FileChangeKinds.Added, DiffSkipReasons.TooLarge),
            Skipped("gone.txt", FileChangeKinds.Deleted, DiffSkipReasons.Unavailable),
            Skipped("logo.png", FileChangeKinds.Modified, DiffSkipReasons.Binary),
            Skipped("z.txt", FileChangeKinds.Modified, DiffSkipReasons.OverLimit)));

        patch.Should().Contain(
            "# Not in this patch: 4 changed files (limits: 10 files, 100 bytes a file, 1000 bytes in all)\n"
            + "#   too_large added big.json\n"
            + "#   unavailable deleted gone.txt\n"
            + "#   binary modified logo.png\n"
            + "#   over_limit modified z.txt\n"
            + "diff --git a/a.txt b/a.txt\n");
    }

    [Fact]
    public async Task WriteAsync_HostilePathInPreamble_StaysOnItsCommentLine()
    {
        var patch = await WriteAsync(Diff(Skipped("x\ndiff --git a/y b/y", FileChangeKinds.Modified, DiffSkipReasons.Binary)));

        patch.Split('\n').Should().OnlyContain(line => line.Length == 0 || line.StartsWith('#'));
        patch.Should().Contain("#   binary modified \"x\\ndiff --git a/y b/y\"\n");
    }

    [Fact]
    public async Task WriteAsync_NonAsciiSkippedPath_QuotesItAsGitDoes()
    {
        var patch = await WriteAsync(Diff(Skipped("img/café.png", FileChangeKinds.Added, DiffSkipReasons.Binary)));

        patch.Should().Contain("#   binary added \"img/caf\\303\\251.png\"\n");
    }

    [Fact]
    public async Task WriteAsync_NoLineDiffs_WritesThePreambleAloneWhichGitApplyRefusesAsEmpty()
    {
        var patch = await WriteAsync(Diff(Skipped("logo.png", FileChangeKinds.Modified, DiffSkipReasons.Binary)));
        using var repository = await GitRepository.CreateAsync();

        var refused = await repository.ApplyAsync(patch);

        patch.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().OnlyContain(line => line.StartsWith('#'));
        refused.ExitCode.Should().NotBe(0);
        refused.Error.Should().Contain("No valid patches in input");
    }

    [Fact]
    public async Task WriteAsync_NoLineDiffs_GitApplyWithAllowEmptyAcceptsIt()
    {
        var patch = await WriteAsync(Diff());
        using var repository = await GitRepository.CreateAsync();
        var file = Path.Combine(repository.WorkTree, "..", "empty.diff");
        await File.WriteAllTextAsync(file, patch);

        var result = await repository.RunAllowingFailureAsync("apply", "--allow-empty", file);

        result.ExitCode.Should().Be(0, result.Error);
    }

    [Fact]
    public async Task WriteAsync_NullDiff_ThrowsNamingIt()
    {
        var act = () => GenerationPatch.WriteAsync(null!, new StringWriter());

        await act.Should().ThrowAsync<ArgumentNullException>().WithParameterName("diff");
    }

    [Fact]
    public async Task WriteAsync_NullWriter_ThrowsNamingIt()
    {
        var act = () => GenerationPatch.WriteAsync(Diff(), null!);

        await act.Should().ThrowAsync<ArgumentNullException>().WithParameterName("writer");
    }

    [Fact]
    public async Task WriteAsync_CancelledToken_ThrowsAndWritesNothing()
    {
        var writer = new StringWriter();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var act = () => GenerationPatch.WriteAsync(Diff(Changed("a.txt", "1\n", "2\n")), writer, cancelled.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        writer.ToString().Should().BeEmpty();
    }
}
