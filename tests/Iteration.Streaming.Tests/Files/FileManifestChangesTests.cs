using System.Security.Cryptography;
using System.Text;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Files;
using Iteration.Streaming.Hosting;

namespace Iteration.Streaming.Tests.Files;

/// <summary>
/// The public rules a sink of another package reuses. The sinks' contract tests cover the rules end to end; these cover
/// what only a caller of the type sees.
/// </summary>
public sealed class FileManifestChangesTests
{
    private static readonly IterationStreamingOptions Options = new();

    private static string Sha256(string content) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)));

    private static GenerationFile Saved(string path, string content, int phase = 1) =>
        new() { Path = path, Size = Encoding.UTF8.GetByteCount(content), Phase = phase, Sha256 = Sha256(content) };

    [Fact]
    public void Compute_GivesTheFilesAfterThePhase_OrderedByPath_WithTheirTotal()
    {
        var changes = FileManifestChanges.Compute(
            [Saved("b.txt", "bb"), Saved("z.txt", "z")],
            2,
            [GeneratedFile.FromText("a.txt", "aaa"), GeneratedFile.Delete("z.txt")],
            Options);

        changes.Files.Select(f => (f.Path, f.Phase)).Should().Equal(("a.txt", 2), ("b.txt", 1));
        changes.TotalBytes.Should().Be(5);
    }

    [Fact]
    public void Compute_ListsEachWrittenContentOnce_ByHash()
    {
        var changes = FileManifestChanges.Compute(
            [],
            1,
            [GeneratedFile.FromText("a.txt", "same"), GeneratedFile.FromText("b.txt", "same"), GeneratedFile.FromText("c.txt", "first"), GeneratedFile.FromText("c.txt", "last")],
            Options);

        changes.Contents.Keys.Should().BeEquivalentTo(Sha256("same"), Sha256("last"));
        Encoding.UTF8.GetString(changes.Contents[Sha256("last")].Span).Should().Be("last");
    }

    [Fact]
    public void Compute_APhaseOfDeletesOnly_HasNoContents()
    {
        var changes = FileManifestChanges.Compute([Saved("a.txt", "a")], 2, [GeneratedFile.Delete("a.txt")], Options);

        changes.Contents.Should().BeEmpty();
        changes.Files.Should().BeEmpty();
    }

    [Fact]
    public void Compute_ClashesAmongKeptFiles_DoNotRefuseAnUnrelatedPhase()
    {
        // Saved before the rules existed: a later phase must still be able to save.
        var changes = FileManifestChanges.Compute([Saved("Docs.md", "a"), Saved("docs.md", "b")], 2, [GeneratedFile.FromText("new.txt", "n")], Options);

        changes.Files.Should().HaveCount(3);
    }

    [Fact]
    public void Compute_NamesBothPaths_AndTheRefusedOneIsTheLaterWrite()
    {
        var act = () => FileManifestChanges.Compute([], 1, [GeneratedFile.FromText("src/Model.cs", "1"), GeneratedFile.FromText("src/model.cs", "2")], Options);

        var thrown = act.Should().Throw<InvalidGeneratedFileException>();
        thrown.Which.Path.Should().Be("src/model.cs");
        thrown.WithMessage("The generated file 'src/model.cs' is refused: it differs from 'src/Model.cs' only in letter case*");
    }

    [Fact]
    public void Compute_AFolderWhereAKeptFileIs_IgnoringCase_IsRefused()
    {
        var act = () => FileManifestChanges.Compute([Saved("a/b", "file")], 2, [GeneratedFile.FromText("A/B/c.txt", "x")], Options);

        act.Should().Throw<InvalidGeneratedFileException>().WithMessage("*'A/B/c.txt'*'a/b' is a file, so it cannot also be a folder*");
    }

    [Fact]
    public void Compute_ChecksEveryFileBeforeComputingAnything()
    {
        var act = () => FileManifestChanges.Compute([], 1, [GeneratedFile.FromText("fine.txt", "ok"), GeneratedFile.FromText("../escape.txt", "x")], Options);

        act.Should().Throw<InvalidGeneratedFileException>().Which.Path.Should().Be("../escape.txt");
    }

    [Fact]
    public void Compute_ReadsTheByteLimitFromTheOptions()
    {
        var options = new IterationStreamingOptions { MaxGenerationBytes = 10 };

        var act = () => FileManifestChanges.Compute([Saved("a.txt", "123456")], 2, [GeneratedFile.FromText("b.txt", "12345")], options);

        act.Should().Throw<InvalidGeneratedFileException>().WithMessage("Phase 2 is refused: it would bring the generation to 11 bytes*limit of 10 (MaxGenerationBytes).");
    }

    [Fact]
    public void Compute_NullCurrent_Throws()
    {
        var act = () => FileManifestChanges.Compute(null!, 1, [], Options);

        act.Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public void Compute_NullFiles_Throws()
    {
        var act = () => FileManifestChanges.Compute([], 1, null!, Options);

        act.Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public void Compute_NullOptions_Throws()
    {
        var act = () => FileManifestChanges.Compute([], 1, [], null!);

        act.Should().Throw<ArgumentNullException>();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void Compute_PhaseBelowOne_Throws(int phase)
    {
        var act = () => FileManifestChanges.Compute([], phase, [], Options);

        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void IsWellFormed_AListASinkSaved_IsWellFormed()
    {
        var changes = FileManifestChanges.Compute([], 1, [GeneratedFile.FromText("b.txt", "b"), GeneratedFile.FromText("a/c.txt", "c")], Options);

        FileManifestChanges.IsWellFormed(changes.Files).Should().BeTrue();
        FileManifestChanges.IsWellFormed([]).Should().BeTrue();
    }

    [Fact]
    public void IsWellFormed_AListSavedBeforeTheGitAndNfcRules_StaysReadable()
    {
        FileManifestChanges.IsWellFormed([Saved(".git/config", "x"), Saved("cafe\u0301.txt", "y")]).Should().BeTrue();
    }

    public static TheoryData<GenerationFile?[]?> MalformedLists => new()
    {
        null,
        new GenerationFile?[] { null },
        new[] { Saved("b.txt", "b"), Saved("a.txt", "a") },
        new[] { Saved("a.txt", "a"), Saved("a.txt", "a") },
        new[] { Saved("../escape.txt", "x") },
        new[] { Saved("/etc/passwd", "x") },
        new[] { Saved("a.txt", "a") with { Sha256 = "../../etc/passwd" } },
        new[] { Saved("a.txt", "a") with { Sha256 = Sha256("a").ToUpperInvariant() } },
        new[] { Saved("a.txt", "a") with { Sha256 = Sha256("a")[..63] } },
        new[] { Saved("a.txt", "a") with { Size = -1 } },
    };

    [Theory]
    [MemberData(nameof(MalformedLists))]
    public void IsWellFormed_AForgedOrDamagedList_IsNot(GenerationFile?[]? files)
    {
        FileManifestChanges.IsWellFormed(files!).Should().BeFalse();
    }
}
