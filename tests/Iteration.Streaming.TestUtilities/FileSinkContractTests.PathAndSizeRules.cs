using FluentAssertions;
using Iteration.Streaming.Files;
using Xunit;

namespace Iteration.Streaming.TestUtilities;

/// <summary>
/// The contract of the rules that keep a generation unpackable everywhere and bounded: no two paths that differ only in
/// letter case, one (NFC) spelling per name, no <c>.git</c> segment, no file that is also a folder, and at most
/// <c>MaxGenerationBytes</c> in all.
/// </summary>
public abstract partial class FileSinkContractTests
{
    private static GeneratedFile Bytes(string path, int size) => new() { Path = path, Content = new byte[size] };

    private async Task AssertRefusedAsync(IFileSink sink, string id, int phase, GeneratedFile[] files, string refusedPath, params string[] named)
    {
        var before = await sink.GetManifestAsync(id);

        var act = async () => await sink.SavePhaseAsync(id, phase, files);

        var thrown = await act.Should().ThrowAsync<InvalidGeneratedFileException>();
        thrown.Which.Path.Should().Be(refusedPath);
        thrown.Which.Message.Should().Contain("is refused");
        foreach (var path in named)
        {
            thrown.Which.Message.Should().Contain($"'{path}'");
        }

        (await sink.GetManifestAsync(id)).Should().BeEquivalentTo(before, "a refused phase saves nothing");
    }

    [Fact]
    public async Task SavePhaseAsync_TwoPathsThatDifferOnlyInCase_AreRefusedNamingBoth()
    {
        var (sink, id) = await CreatedAsync();

        await AssertRefusedAsync(sink, id, 1, [Text("ok.txt", "ok"), Text("Readme.md", "a"), Text("README.md", "b")], "README.md", "Readme.md", "README.md");
    }

    [Fact]
    public async Task SavePhaseAsync_AWriteThatDiffersOnlyInCaseFromASavedFile_IsRefused_AndKeepsTheSavedFile()
    {
        var (sink, id) = await CreatedAsync();
        await sink.SavePhaseAsync(id, 1, [Text("src/README.md", "saved")]);

        await AssertRefusedAsync(sink, id, 2, [Text("src/readme.md", "new")], "src/readme.md", "src/README.md", "src/readme.md");
        (await ReadTextAsync(sink, id, "src/README.md")).Should().Be("saved");
    }

    [Fact]
    public async Task SavePhaseAsync_DeletingTheOldSpellingFirst_RenamesTheFileToAnotherCase()
    {
        var (sink, id) = await CreatedAsync();
        await sink.SavePhaseAsync(id, 1, [Text("README.md", "old")]);

        var manifest = await sink.SavePhaseAsync(id, 2, [GeneratedFile.Delete("README.md"), Text("readme.md", "new")]);

        manifest.Files.Select(f => f.Path).Should().Equal("readme.md");
        (await ReadTextAsync(sink, id, "readme.md")).Should().Be("new");
    }

    [Fact]
    public async Task SavePhaseAsync_ADeleteMatchesThePathExactly_NotIgnoringCase()
    {
        var (sink, id) = await CreatedAsync();
        await sink.SavePhaseAsync(id, 1, [Text("README.md", "kept")]);

        var manifest = await sink.SavePhaseAsync(id, 2, [GeneratedFile.Delete("readme.md")]);

        manifest.Files.Select(f => f.Path).Should().Equal("README.md");
    }

    [Theory]
    [InlineData("a/b", "a/b/c.txt", "a/b/c.txt", "a/b")]
    [InlineData("a/b/c.txt", "a/b", "a/b", "a/b/c.txt")]
    [InlineData("src/App", "src/app/main.cs", "src/app/main.cs", "src/App")]
    [InlineData("deep/er/x/y.txt", "DEEP/ER", "DEEP/ER", "deep/er/x/y.txt")]
    public async Task SavePhaseAsync_AFileAndAFolderOfTheSameName_AreRefusedNamingBoth(string first, string second, string refused, string other)
    {
        var (sink, id) = await CreatedAsync();

        await AssertRefusedAsync(sink, id, 1, [Text(first, "1"), Text(second, "2")], refused, refused, other);
    }

    [Fact]
    public async Task SavePhaseAsync_AFolderWhereASavedFileIs_IsRefused()
    {
        var (sink, id) = await CreatedAsync();
        await sink.SavePhaseAsync(id, 1, [Text("docs", "a file")]);

        await AssertRefusedAsync(sink, id, 2, [Text("docs/readme.md", "inside")], "docs/readme.md", "docs");
    }

    [Fact]
    public async Task SavePhaseAsync_AFileWhereASavedFolderIs_IsRefused()
    {
        var (sink, id) = await CreatedAsync();
        await sink.SavePhaseAsync(id, 1, [Text("docs/readme.md", "inside")]);

        await AssertRefusedAsync(sink, id, 2, [Text("Docs", "a file")], "Docs", "docs/readme.md");
    }

    [Fact]
    public async Task SavePhaseAsync_DeletingTheFileInTheSamePhase_MakesRoomForTheFolder()
    {
        var (sink, id) = await CreatedAsync();
        await sink.SavePhaseAsync(id, 1, [Text("docs", "a file")]);

        var manifest = await sink.SavePhaseAsync(id, 2, [GeneratedFile.Delete("docs"), Text("docs/readme.md", "inside")]);

        manifest.Files.Select(f => f.Path).Should().Equal("docs/readme.md");
    }

    [Fact]
    public async Task SavePhaseAsync_ALaterDeleteInTheSamePhase_ResolvesTheClash()
    {
        var (sink, id) = await CreatedAsync();

        var manifest = await sink.SavePhaseAsync(id, 1, [Text("A.txt", "upper"), Text("a.txt", "lower"), GeneratedFile.Delete("A.txt")]);

        manifest.Files.Select(f => f.Path).Should().Equal("a.txt");
    }

    [Fact]
    public async Task SavePhaseAsync_OverwritingAPathWithTheSameSpelling_IsAccepted()
    {
        var (sink, id) = await CreatedAsync();
        await sink.SavePhaseAsync(id, 1, [Text("src/App.cs", "one")]);

        var manifest = await sink.SavePhaseAsync(id, 2, [Text("src/App.cs", "two"), Text("src/App.cs", "three")]);

        manifest.Files.Should().ContainSingle().Which.Phase.Should().Be(2);
        (await ReadTextAsync(sink, id, "src/App.cs")).Should().Be("three");
    }

    [Fact]
    public async Task SavePhaseAsync_TheDecomposedSpellingOfASavedName_IsRefused_AndKeepsTheSavedFile()
    {
        // café.txt composed (U+00E9) and decomposed (e + U+0301): one name that macOS merges when it extracts both.
        var (sink, id) = await CreatedAsync();
        await sink.SavePhaseAsync(id, 1, [Text("caf\u00e9.txt", "composed")]);

        await AssertRefusedAsync(sink, id, 2, [Text("cafe\u0301.txt", "decomposed")], "cafe\u0301.txt");
        (await ReadTextAsync(sink, id, "caf\u00e9.txt")).Should().Be("composed");
    }

    [Fact]
    public async Task SavePhaseAsync_AGitSegmentInAnyCase_IsRefusedNamingIt()
    {
        var (sink, id) = await CreatedAsync();

        await AssertRefusedAsync(sink, id, 1, [Text("src/app.js", "ok"), Text("src/.GIT/hooks/x", "#!/bin/sh")], "src/.GIT/hooks/x", "src/.GIT/hooks/x");
    }

    [Fact]
    public async Task SavePhaseAsync_NamesThatOnlyLookAlike_AreAccepted()
    {
        var (sink, id) = await CreatedAsync();

        var manifest = await sink.SavePhaseAsync(id, 1, [Text("a/b", "file"), Text("a/b.txt", "x"), Text("a/bc/d.txt", "y"), Text("Src/one.txt", "1"), Text("src/two.txt", "2")]);

        manifest.Files.Should().HaveCount(5);
    }

    [Fact]
    public async Task SavePhaseAsync_AnIterationWritingAParentPathInAnotherCase_IsRefused()
    {
        var (sink, parent) = await CreatedAsync();
        await sink.SavePhaseAsync(parent, 1, [Text("Program.cs", "parent")]);
        await sink.CompleteAsync(parent);
        var child = NewId();
        await sink.CreateAsync(child, parent);

        await AssertRefusedAsync(sink, child, 1, [Text("program.cs", "child")], "program.cs", "Program.cs");
    }

    [Fact]
    public async Task SavePhaseAsync_AtTheGenerationByteLimit_IsAccepted()
    {
        var (sink, id) = await CreatedAsync();
        await sink.SavePhaseAsync(id, 1, [Bytes("a.bin", 1024), Bytes("b.bin", 1024)]);

        var manifest = await sink.SavePhaseAsync(id, 2, [Bytes("c.bin", 1024), Bytes("d.bin", 1024)]);

        manifest.TotalBytes.Should().Be(4096);
    }

    [Fact]
    public async Task SavePhaseAsync_BeyondTheGenerationByteLimit_IsRefusedNamingTheSetting_AndKeepsThePreviousManifest()
    {
        var (sink, id) = await CreatedAsync();
        await sink.SavePhaseAsync(id, 1, [Bytes("a.bin", 1024), Bytes("b.bin", 1024), Bytes("c.bin", 1024)]);

        var act = async () => await sink.SavePhaseAsync(id, 2, [Bytes("d.bin", 1024), Bytes("e.bin", 1)]);

        (await act.Should().ThrowAsync<InvalidGeneratedFileException>()).WithMessage("*4097 bytes*4096*MaxGenerationBytes*");
        (await sink.GetManifestAsync(id))!.TotalBytes.Should().Be(3072);
        (await sink.OpenReadAsync(id, "d.bin")).Should().BeNull();
    }

    [Fact]
    public async Task SavePhaseAsync_OverwritingAFile_CountsItsBytesOnce()
    {
        var (sink, id) = await CreatedAsync();
        await sink.SavePhaseAsync(id, 1, [Bytes("a.bin", 1024), Bytes("b.bin", 1024), Bytes("c.bin", 1024), Bytes("d.bin", 1024)]);

        var manifest = await sink.SavePhaseAsync(id, 2, [new GeneratedFile { Path = "a.bin", Content = Enumerable.Repeat((byte)7, 1024).ToArray() }]);

        manifest.TotalBytes.Should().Be(4096);
    }

    [Fact]
    public async Task SavePhaseAsync_AnIterationCountsItsParentsFilesTowardsTheByteLimit()
    {
        var (sink, parent) = await CreatedAsync();
        await sink.SavePhaseAsync(parent, 1, [Bytes("a.bin", 1024), Bytes("b.bin", 1024), Bytes("c.bin", 1024)]);
        await sink.CompleteAsync(parent);
        var child = NewId();
        await sink.CreateAsync(child, parent);

        var act = async () => await sink.SavePhaseAsync(child, 1, [Bytes("d.bin", 1024), Bytes("e.bin", 1024)]);

        (await act.Should().ThrowAsync<InvalidGeneratedFileException>()).WithMessage("*5120 bytes*parent files included*MaxGenerationBytes*");
    }

    [Fact]
    public async Task SavePhaseAsync_ARetryCountsTheCarriedFilesTowardsTheByteLimit()
    {
        var (sink, source) = await CreatedAsync();
        await sink.SavePhaseAsync(source, 1, [Bytes("a.bin", 1024), Bytes("b.bin", 1024), Bytes("c.bin", 1024), Bytes("d.bin", 1024)]);
        var retry = NewId();
        await sink.CreateFromAsync(retry, source);

        var act = async () => await sink.SavePhaseAsync(retry, 2, [Bytes("e.bin", 1)]);

        (await act.Should().ThrowAsync<InvalidGeneratedFileException>()).WithMessage("*MaxGenerationBytes*");
    }

    [Fact]
    public async Task SavePhaseAsync_APhaseThatDoesNotGrowAGenerationOverALoweredLimit_IsAccepted_AndOneThatGrowsItIsNot()
    {
        var options = Limits;
        var sink = await CreateSinkAsync(options);
        var id = NewId();
        await sink.CreateAsync(id, null);
        await sink.SavePhaseAsync(id, 1, [Bytes("a.bin", 1024), Bytes("b.bin", 1024), Bytes("c.bin", 1024)]);
        options.MaxGenerationBytes = 1024;

        var shrunk = await sink.SavePhaseAsync(id, 2, [GeneratedFile.Delete("c.bin"), Text("note.txt", "small")]);
        var grow = async () => await sink.SavePhaseAsync(id, 3, [Text("more.txt", "x")]);

        shrunk.TotalBytes.Should().Be(2053);
        (await grow.Should().ThrowAsync<InvalidGeneratedFileException>()).WithMessage("*MaxGenerationBytes*");
    }
}
