using Iteration.Streaming.Contracts;
using Iteration.Streaming.Engine;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.Tests.Engine;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Tests.Changes;

public sealed class DiffTests
{
    private static IEnumerable<GeneratedFile> IterationWrites(string parent) =>
    [
        GeneratedFile.FromText("src/user/file0.txt", $"{parent} phase 2 file 0\nchanged by the iteration\n"),
        GeneratedFile.FromText("src/user/file1.txt", $"{parent} phase 2 file 1"),
        GeneratedFile.FromText("src/new.txt", "new\n"),
        GeneratedFile.Delete("src/phase1/file0.txt"),
    ];

    [Theory]
    [InlineData(SinkKind.InMemory)]
    [InlineData(SinkKind.FileSystem)]
    public async Task DiffAsync_OfAnIterationAgainstItsParent_ListsExactlyWhatItWrote(SinkKind sink)
    {
        await using var harness = EngineHarness.Create(sink);
        var parent = await harness.CompleteGenerationAsync("User");
        harness.Generator.Files = context => context.Phase.Number == 1 ? IterationWrites(parent) : [];
        var id = await harness.Engine.IterateAsync(new IterationRequest(parent, "change the user files"));
        var events = await harness.ReadToEndAsync(id);

        var diff = await harness.Engine.DiffAsync(id, parent);

        diff.GenerationId.Should().Be(id);
        (diff.Against, diff.AgainstGenerationId, diff.AgainstPhase).Should().Be((parent, parent, null));
        diff.Files.Where(f => f.Change != FileChangeKinds.Unchanged).Select(f => (f.Path, f.Change)).Should().Equal(
            ("src/new.txt", FileChangeKinds.Added),
            ("src/phase1/file0.txt", FileChangeKinds.Deleted),
            ("src/user/file0.txt", FileChangeKinds.Modified));
        diff.Summary.Should().BeEquivalentTo(new GenerationDiffSummary { Added = 1, Modified = 1, Deleted = 1, Unchanged = 14, AddedLines = 3, DeletedLines = 2 });
        diff.Files.Count(f => f.Change != FileChangeKinds.Deleted).Should().Be((await harness.Sink.GetManifestAsync(id))!.Files.Count);
        diff.Files.Select(f => f.Path).Should().BeInAscendingOrder(StringComparer.Ordinal);
        var modified = diff.Files.Single(f => f.Change == FileChangeKinds.Modified);
        modified.Diff.Should().Contain($"-{parent} phase 2 file 0").And.Contain("+changed by the iteration");
        diff.Files.Where(f => f.Change == FileChangeKinds.Unchanged).Should().OnlyContain(f => f.Diff == null && f.OldSha256 == f.NewSha256);
        diff.Truncated.Should().BeFalse();
        events.Single(e => e.Stage == "phase_1_complete").PhaseInfo!.Changes.Should().BeEquivalentTo(new PhaseChanges { Added = 1, Modified = 1, Deleted = 1 });
    }

    [Fact]
    public async Task DiffAsync_OfAnIterationThatLostParentFiles_ListsThemDeleted_AsItsDataLossWarningDoes()
    {
        await using var harness = EngineHarness.Create(SinkKind.FileSystem);
        var parent = await harness.CompleteGenerationAsync("User");
        foreach (var lost in (await harness.Sink.GetManifestAsync(parent))!.Files.Where(f => f.Path is "src/phase3/file2.txt" or "src/user/file1.txt"))
        {
            await File.WriteAllTextAsync(Files.FileSystemSinkInspector.ContentPath(harness.Root!, lost.Sha256), "damaged on disk");
        }

        harness.Generator.Files = _ => [];
        var id = await harness.Engine.IterateAsync(new IterationRequest(parent, "Tweak the styles"));
        var warning = (await harness.ReadToEndAsync(id)).Single(e => e.WarningType == WarningTypes.DataLossDetection);

        var diff = await harness.Engine.DiffAsync(id, parent);

        diff.Files.Where(f => f.Change == FileChangeKinds.Deleted).Select(f => f.Path).Should().Equal(warning.MissingFiles);
        diff.Files.Count(f => f.Change != FileChangeKinds.Deleted).Should().Be(warning.NewFileCount);
        (diff.Files.Count).Should().Be(warning.ParentFileCount);
    }

    [Fact]
    public async Task DiffAsync_AgainstAnEarlierPhase_ListsWhatTheLaterPhasesWrote()
    {
        await using var harness = EngineHarness.Create();
        var id = await harness.CompleteGenerationAsync("User");
        var atOne = (await harness.Sink.GetHistoryAsync(id))!.StateAt(1)!;
        var now = (await harness.Sink.GetManifestAsync(id))!.Files;

        var diff = await harness.Engine.DiffAsync(id, "phase:1");

        (diff.Against, diff.AgainstGenerationId, diff.AgainstPhase).Should().Be(("phase:1", id, 1));
        diff.Files.Where(f => f.Change == FileChangeKinds.Added).Select(f => f.Path)
            .Should().Equal(now.Select(f => f.Path).Except(atOne.Select(f => f.Path)));
        diff.Files.Where(f => f.Change == FileChangeKinds.Added).Should().OnlyContain(f => f.Diff!.Contains("new file mode 100644"));
        diff.Summary.Unchanged.Should().Be(atOne.Count);
    }

    [Fact]
    public async Task DiffAsync_OfAnIterationAgainstPhaseZero_EqualsItsDiffAgainstTheParent()
    {
        await using var harness = EngineHarness.Create();
        var parent = await harness.CompleteGenerationAsync("User");
        harness.Generator.Files = context => context.Phase.Number == 1 ? IterationWrites(parent) : [];
        var id = await harness.Engine.IterateAsync(new IterationRequest(parent, "change"));
        await harness.ReadToEndAsync(id);

        var againstParent = await harness.Engine.DiffAsync(id, parent);
        var againstStart = await harness.Engine.DiffAsync(id, "phase:0");

        againstStart.Files.Select(f => (f.Path, f.Change, f.Diff)).Should().Equal(againstParent.Files.Select(f => (f.Path, f.Change, f.Diff)));
    }

    [Fact]
    public async Task DiffAsync_BinaryAndOversizeFiles_AreListedWithoutALineDiff()
    {
        await using var harness = EngineHarness.Create(configure: o => o.DiffMaxFileBytes = 100);
        var parent = await harness.CompleteGenerationAsync("User");
        harness.Generator.Files = context => context.Phase.Number == 1
            ? [new GeneratedFile { Path = "logo.png", Content = new byte[] { 0x89, 0x50, 0x4E, 0x47, 0, 1, 2 } }, GeneratedFile.FromText("big.txt", new string('x', 101))]
            : [];
        var id = await harness.Engine.IterateAsync(new IterationRequest(parent, "add assets"));
        await harness.ReadToEndAsync(id);

        var diff = await harness.Engine.DiffAsync(id, parent);

        diff.Files.Single(f => f.Path == "logo.png").Should().Match<GenerationFileDiff>(f => f.Skipped == DiffSkipReasons.Binary && f.Diff == null && f.Change == FileChangeKinds.Added);
        diff.Files.Single(f => f.Path == "big.txt").Should().Match<GenerationFileDiff>(f => f.Skipped == DiffSkipReasons.TooLarge && f.Diff == null);
        diff.Truncated.Should().BeTrue();
        diff.Limits.MaxFileBytes.Should().Be(100);
    }

    [Fact]
    public async Task DiffAsync_PastItsFileLimit_ListsTheRestOverLimit()
    {
        await using var harness = EngineHarness.Create(configure: o => o.DiffMaxFiles = 1);
        var id = await harness.CompleteGenerationAsync("User");

        var diff = await harness.Engine.DiffAsync(id, "phase:0");

        diff.Files.Count(f => f.Diff != null).Should().Be(1);
        diff.Files.Skip(1).Should().OnlyContain(f => f.Skipped == DiffSkipReasons.OverLimit);
        diff.Summary.Added.Should().Be(diff.Files.Count);
        diff.Truncated.Should().BeTrue();
        diff.Limits.MaxFiles.Should().Be(1);
    }

    [Theory]
    [InlineData("", "*'against' is required*")]
    [InlineData("phase:", "*'against' names the phase ''*")]
    [InlineData("phase:-1", "*'against' names the phase '-1'*")]
    [InlineData("phase:99999", "*'against' names the phase '99999'*")]
    [InlineData("phase:7", "*'against' names phase 7*")]
    [InlineData("has space", "*'against' is neither a generation id nor phase:{k}*")]
    public async Task DiffAsync_WithAMalformedOrUnsavedAgainst_IsRefusedNamingIt(string against, string message)
    {
        await using var harness = EngineHarness.Create();
        var id = await harness.CompleteGenerationAsync("User");

        var act = async () => await harness.Engine.DiffAsync(id, against);

        await act.Should().ThrowAsync<InvalidGenerationRequestException>().WithMessage(message);
    }

    [Fact]
    public async Task DiffAsync_OfOrAgainstAnUnknownGeneration_IsNotFound()
    {
        await using var harness = EngineHarness.Create();
        var id = await harness.CompleteGenerationAsync("User");

        var against = async () => await harness.Engine.DiffAsync(id, "no-such-generation");
        var of = async () => await harness.Engine.DiffAsync("no-such-generation", id);

        await against.Should().ThrowAsync<GenerationNotFoundException>();
        await of.Should().ThrowAsync<GenerationNotFoundException>();
    }
}
