using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using FluentAssertions;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Files;
using Iteration.Streaming.Hosting;
using Xunit;

namespace Iteration.Streaming.TestUtilities;

/// <summary>
/// The behaviour every <see cref="IFileSink"/> implementation must show. Derive once per implementation; the sink is
/// created with <see cref="Limits"/> (100-character paths, 20 files, 1 KiB per file, 4 KiB per generation) and must read
/// the limits from the options at each save.
/// </summary>
/// <remarks>Split by topic: retries and deletes, and the path and size rules, live in the other parts of this class.</remarks>
public abstract partial class FileSinkContractTests
{
    /// <summary>The limits the sink under test enforces.</summary>
    protected static IterationStreamingOptions Limits => new()
    {
        MaxPathLength = 100,
        MaxFilesPerGeneration = 20,
        MaxFileSize = 1024,
        MaxGenerationBytes = 4 * 1024,
    };

    /// <summary>Creates the sink under test with <paramref name="options"/>.</summary>
    protected abstract Task<IFileSink> CreateSinkAsync(IterationStreamingOptions options);

    private Task<IFileSink> CreateSinkAsync() => CreateSinkAsync(Limits);

    private static string NewId() => Guid.NewGuid().ToString("D");

    private static GeneratedFile Text(string path, string content) => GeneratedFile.FromText(path, content);

    private static string Sha256(string content) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)));

    private static async Task<string?> ReadTextAsync(IFileSink sink, string id, string path)
    {
        await using var stream = await sink.OpenReadAsync(id, path);
        if (stream is null)
        {
            return null;
        }

        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }

    private async Task<(IFileSink Sink, string Id)> CreatedAsync()
    {
        var sink = await CreateSinkAsync();
        var id = NewId();
        await sink.CreateAsync(id, null);
        return (sink, id);
    }

    [Fact]
    public async Task CreateAsync_WithoutParent_StartsAnEmptyIncompleteManifest()
    {
        var (sink, id) = await CreatedAsync();

        var manifest = await sink.GetManifestAsync(id);

        manifest.Should().NotBeNull();
        manifest!.GenerationId.Should().Be(id);
        manifest.IsComplete.Should().BeFalse();
        manifest.Files.Should().BeEmpty();
        manifest.TotalBytes.Should().Be(0);
    }

    [Fact]
    public async Task CreateAsync_Twice_Throws()
    {
        var (sink, id) = await CreatedAsync();

        var act = async () => await sink.CreateAsync(id, null);

        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage($"*{id}*exists*");
    }

    [Theory]
    [InlineData("")]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("..")]
    [InlineData("C:")]
    [InlineData("id with spaces")]
    [InlineData("id\0null")]
    public async Task CreateAsync_HostileGenerationId_ThrowsArgumentException(string generationId)
    {
        var sink = await CreateSinkAsync();

        var act = async () => await sink.CreateAsync(generationId, null);

        await act.Should().ThrowAsync<ArgumentException>();
    }

    [Fact]
    public async Task CreateAsync_OverlongGenerationId_ThrowsArgumentException()
    {
        var sink = await CreateSinkAsync();

        var act = async () => await sink.CreateAsync(new string('a', 129), null);

        await act.Should().ThrowAsync<ArgumentException>();
    }

    [Fact]
    public async Task CreateAsync_UnknownParent_ThrowsGenerationNotFound()
    {
        var sink = await CreateSinkAsync();
        var parent = NewId();

        var act = async () => await sink.CreateAsync(NewId(), parent);

        (await act.Should().ThrowAsync<GenerationNotFoundException>()).Which.GenerationId.Should().Be(parent);
    }

    [Fact]
    public async Task SavePhaseAsync_ListsEachFileWithSizeHashAndPhase_OrderedByPath()
    {
        var (sink, id) = await CreatedAsync();

        var manifest = await sink.SavePhaseAsync(id, 1, [Text("src/b.txt", "bb"), Text("README.md", "readme"), Text("src/a.txt", "")]);

        manifest.Files.Select(f => f.Path).Should().Equal("README.md", "src/a.txt", "src/b.txt");
        manifest.Files[2].Size.Should().Be(2);
        manifest.Files[2].Sha256.Should().Be(Sha256("bb"));
        manifest.Files[1].Size.Should().Be(0);
        manifest.Files.Should().OnlyContain(f => f.Phase == 1);
        manifest.TotalBytes.Should().Be(8);
        (await sink.GetManifestAsync(id)).Should().BeEquivalentTo(manifest);
    }

    [Fact]
    public async Task SavePhaseAsync_ThenOpenReadAsync_ReturnsTheContent()
    {
        var (sink, id) = await CreatedAsync();

        await sink.SavePhaseAsync(id, 1, [Text("src/app.py", "print('hi')")]);

        (await ReadTextAsync(sink, id, "src/app.py")).Should().Be("print('hi')");
    }

    [Fact]
    public async Task SavePhaseAsync_AWriteInALaterPhase_OverwritesContentAndPhase()
    {
        var (sink, id) = await CreatedAsync();
        await sink.SavePhaseAsync(id, 1, [Text("a.txt", "one"), Text("b.txt", "same")]);

        var manifest = await sink.SavePhaseAsync(id, 2, [Text("a.txt", "two")]);

        manifest.Files.Should().HaveCount(2);
        manifest.Files.Single(f => f.Path == "a.txt").Should().Match<Contracts.GenerationFile>(f => f.Phase == 2 && f.Sha256 == Sha256("two"));
        manifest.Files.Single(f => f.Path == "b.txt").Phase.Should().Be(1);
        (await ReadTextAsync(sink, id, "a.txt")).Should().Be("two");
    }

    [Fact]
    public async Task SavePhaseAsync_TheSamePathTwiceInOnePhase_KeepsTheLastWrite()
    {
        var (sink, id) = await CreatedAsync();

        var manifest = await sink.SavePhaseAsync(id, 1, [Text("a.txt", "first"), Text("a.txt", "last")]);

        manifest.Files.Should().ContainSingle().Which.Sha256.Should().Be(Sha256("last"));
        (await ReadTextAsync(sink, id, "a.txt")).Should().Be("last");
    }

    [Fact]
    public async Task SavePhaseAsync_ExplicitDelete_RemovesTheFile()
    {
        var (sink, id) = await CreatedAsync();
        await sink.SavePhaseAsync(id, 1, [Text("a.txt", "a"), Text("b.txt", "b")]);

        var manifest = await sink.SavePhaseAsync(id, 2, [GeneratedFile.Delete("a.txt"), GeneratedFile.Delete("never-written.txt")]);

        manifest.Files.Select(f => f.Path).Should().Equal("b.txt");
        (await sink.OpenReadAsync(id, "a.txt")).Should().BeNull();
    }

    [Fact]
    public async Task SavePhaseAsync_CopiesTheContent_SoTheGeneratorMayReuseItsBuffer()
    {
        var (sink, id) = await CreatedAsync();
        var buffer = Encoding.UTF8.GetBytes("original");

        await sink.SavePhaseAsync(id, 1, [new GeneratedFile { Path = "a.txt", Content = buffer }]);
        Encoding.UTF8.GetBytes("modified").CopyTo(buffer, 0);

        (await ReadTextAsync(sink, id, "a.txt")).Should().Be("original");
    }

    [Fact]
    public async Task SavePhaseAsync_EmptyPhase_KeepsTheManifest()
    {
        var (sink, id) = await CreatedAsync();
        await sink.SavePhaseAsync(id, 1, [Text("a.txt", "a")]);

        var manifest = await sink.SavePhaseAsync(id, 2, []);

        manifest.Files.Select(f => f.Path).Should().Equal("a.txt");
    }

    [Theory]
    [MemberData(nameof(HostilePathData))]
    public async Task SavePhaseAsync_HostilePath_IsRefusedNamingThePath_AndNothingOfThePhaseIsSaved(string path)
    {
        var (sink, id) = await CreatedAsync();

        var act = async () => await sink.SavePhaseAsync(id, 1, [Text("ok.txt", "fine"), Text(path, "evil")]);

        var thrown = await act.Should().ThrowAsync<InvalidGeneratedFileException>();
        thrown.Which.Path.Should().Be(path);
        thrown.Which.Message.Should().Contain("is refused");
        (await sink.GetManifestAsync(id))!.Files.Should().BeEmpty();
        (await sink.OpenReadAsync(id, "ok.txt")).Should().BeNull();
    }

    public static TheoryData<string> HostilePathData => HostilePaths.All;

    [Fact]
    public async Task SavePhaseAsync_PathWithALoneSurrogate_IsRefused()
    {
        // Not theory data: xunit would replace the lone surrogate when it serialises the case.
        var (sink, id) = await CreatedAsync();

        var act = async () => await sink.SavePhaseAsync(id, 1, [Text("src/" + '\ud800' + "lone.txt", "x")]);

        await act.Should().ThrowAsync<InvalidGeneratedFileException>().WithMessage("*surrogate*");
    }

    [Fact]
    public async Task SavePhaseAsync_NullPath_IsRefused()
    {
        var (sink, id) = await CreatedAsync();

        var act = async () => await sink.SavePhaseAsync(id, 1, [new GeneratedFile { Path = null!, Content = new byte[1] }]);

        await act.Should().ThrowAsync<InvalidGeneratedFileException>();
    }

    [Fact]
    public async Task SavePhaseAsync_PathAtTheLengthLimit_IsAccepted()
    {
        var (sink, id) = await CreatedAsync();
        var path = "src/" + new string('a', 96);

        var manifest = await sink.SavePhaseAsync(id, 1, [Text(path, "x")]);

        manifest.Files.Should().ContainSingle().Which.Path.Should().Be(path);
    }

    [Fact]
    public async Task SavePhaseAsync_UnicodeAndDottedNames_AreAccepted()
    {
        var (sink, id) = await CreatedAsync();

        var manifest = await sink.SavePhaseAsync(id, 1, [Text(".github/workflows/ci.yml", "on: push"), Text("docs/café-😀.md", "ok"), Text("src/..hidden", "h")]);

        manifest.Files.Should().HaveCount(3);
        (await ReadTextAsync(sink, id, "docs/café-😀.md")).Should().Be("ok");
    }

    [Fact]
    public async Task SavePhaseAsync_OversizedFile_IsRefusedNamingTheLimit()
    {
        var (sink, id) = await CreatedAsync();

        var act = async () => await sink.SavePhaseAsync(id, 1, [new GeneratedFile { Path = "big.bin", Content = new byte[1025] }]);

        (await act.Should().ThrowAsync<InvalidGeneratedFileException>()).WithMessage("*big.bin*1025 bytes*MaxFileSize*");
    }

    [Fact]
    public async Task SavePhaseAsync_FileAtTheSizeLimit_IsAccepted()
    {
        var (sink, id) = await CreatedAsync();

        var manifest = await sink.SavePhaseAsync(id, 1, [new GeneratedFile { Path = "big.bin", Content = new byte[1024] }]);

        manifest.Files.Should().ContainSingle().Which.Size.Should().Be(1024);
    }

    [Fact]
    public async Task SavePhaseAsync_BeyondTheFileCountLimit_IsRefused_AndKeepsThePreviousManifest()
    {
        var (sink, id) = await CreatedAsync();
        await sink.SavePhaseAsync(id, 1, Enumerable.Range(0, 15).Select(i => Text($"a{i}.txt", "a")).ToArray());

        var act = async () => await sink.SavePhaseAsync(id, 2, Enumerable.Range(0, 6).Select(i => Text($"b{i}.txt", "b")).ToArray());

        (await act.Should().ThrowAsync<InvalidGeneratedFileException>()).WithMessage("*21 files*MaxFilesPerGeneration*");
        (await sink.GetManifestAsync(id))!.Files.Should().HaveCount(15);
    }

    [Fact]
    public async Task SavePhaseAsync_DeletesMakeRoomWithinTheFileCountLimit()
    {
        var (sink, id) = await CreatedAsync();
        await sink.SavePhaseAsync(id, 1, Enumerable.Range(0, 20).Select(i => Text($"a{i}.txt", "a")).ToArray());

        var manifest = await sink.SavePhaseAsync(id, 2, [GeneratedFile.Delete("a0.txt"), Text("b.txt", "b")]);

        manifest.Files.Should().HaveCount(20);
    }

    [Fact]
    public async Task SavePhaseAsync_UnknownGeneration_ThrowsGenerationNotFound()
    {
        var sink = await CreateSinkAsync();

        var act = async () => await sink.SavePhaseAsync(NewId(), 1, [Text("a.txt", "a")]);

        await act.Should().ThrowAsync<GenerationNotFoundException>();
    }

    [Fact]
    public async Task SavePhaseAsync_PhaseBelowOne_Throws()
    {
        var (sink, id) = await CreatedAsync();

        var act = async () => await sink.SavePhaseAsync(id, 0, [Text("a.txt", "a")]);

        await act.Should().ThrowAsync<ArgumentOutOfRangeException>();
    }

    [Fact]
    public async Task SavePhaseAsync_NullFiles_Throws()
    {
        var (sink, id) = await CreatedAsync();

        var act = async () => await sink.SavePhaseAsync(id, 1, null!);

        await act.Should().ThrowAsync<ArgumentNullException>();
    }

    [Fact]
    public async Task SavePhaseAsync_NullFile_Throws()
    {
        var (sink, id) = await CreatedAsync();

        var act = async () => await sink.SavePhaseAsync(id, 1, [null!]);

        await act.Should().ThrowAsync<ArgumentException>();
    }

    [Fact]
    public async Task SavePhaseAsync_AfterCompleteAsync_Throws()
    {
        var (sink, id) = await CreatedAsync();
        await sink.CompleteAsync(id);

        var act = async () => await sink.SavePhaseAsync(id, 1, [Text("a.txt", "a")]);

        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage("*complete*");
    }

    [Fact]
    public async Task CompleteAsync_MarksTheManifestComplete_AndKeepsTheFiles()
    {
        var (sink, id) = await CreatedAsync();
        await sink.SavePhaseAsync(id, 1, [Text("a.txt", "one")]);
        await sink.SavePhaseAsync(id, 2, [Text("a.txt", "two"), Text("b.txt", "b")]);

        await sink.CompleteAsync(id);
        await sink.CompleteAsync(id);

        var manifest = await sink.GetManifestAsync(id);
        manifest!.IsComplete.Should().BeTrue();
        manifest.Files.Select(f => f.Path).Should().Equal("a.txt", "b.txt");
        (await ReadTextAsync(sink, id, "a.txt")).Should().Be("two");
    }

    [Fact]
    public async Task CompleteAsync_UnknownGeneration_ThrowsGenerationNotFound()
    {
        var sink = await CreateSinkAsync();

        var act = async () => await sink.CompleteAsync(NewId());

        await act.Should().ThrowAsync<GenerationNotFoundException>();
    }

    [Fact]
    public async Task CreateAsync_WithParent_CarriesEveryFileForwardAsPhaseZero()
    {
        var (sink, parent) = await CreatedAsync();
        await sink.SavePhaseAsync(parent, 1, [Text("a.txt", "a"), Text("src/b.txt", "b")]);
        await sink.CompleteAsync(parent);
        var child = NewId();

        await sink.CreateAsync(child, parent);

        var manifest = await sink.GetManifestAsync(child);
        manifest!.IsComplete.Should().BeFalse();
        manifest.Files.Select(f => (f.Path, f.Phase, f.Sha256)).Should().Equal(("a.txt", 0, Sha256("a")), ("src/b.txt", 0, Sha256("b")));
        (await ReadTextAsync(sink, child, "src/b.txt")).Should().Be("b");
    }

    [Fact]
    public async Task Iteration_ChangesNeverReachTheParent()
    {
        var (sink, parent) = await CreatedAsync();
        await sink.SavePhaseAsync(parent, 1, [Text("a.txt", "parent"), Text("b.txt", "b")]);
        await sink.CompleteAsync(parent);
        var child = NewId();
        await sink.CreateAsync(child, parent);

        await sink.SavePhaseAsync(child, 1, [Text("a.txt", "child"), GeneratedFile.Delete("b.txt"), Text("c.txt", "c")]);
        await sink.CompleteAsync(child);

        (await sink.GetManifestAsync(parent))!.Files.Select(f => f.Path).Should().Equal("a.txt", "b.txt");
        (await ReadTextAsync(sink, parent, "a.txt")).Should().Be("parent");
        (await ReadTextAsync(sink, parent, "b.txt")).Should().Be("b");
        (await ReadTextAsync(sink, child, "a.txt")).Should().Be("child");
    }

    [Fact]
    public async Task CreateAsync_WithAnIncompleteParent_CarriesWhatItSaved()
    {
        var (sink, parent) = await CreatedAsync();
        await sink.SavePhaseAsync(parent, 1, [Text("a.txt", "a")]);
        var child = NewId();

        await sink.CreateAsync(child, parent);

        (await sink.GetManifestAsync(child))!.Files.Select(f => f.Path).Should().Equal("a.txt");
    }

    [Fact]
    public async Task GetManifestAsync_UnknownGeneration_ReturnsNull()
    {
        var sink = await CreateSinkAsync();

        (await sink.GetManifestAsync(NewId())).Should().BeNull();
    }

    [Theory]
    [InlineData("")]
    [InlineData("../../etc")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("%2e%2e")]
    public async Task ReadsWithAHostileGenerationId_FindNothing(string generationId)
    {
        var sink = await CreateSinkAsync();

        (await sink.GetManifestAsync(generationId)).Should().BeNull();
        (await sink.OpenReadAsync(generationId, "a.txt")).Should().BeNull();
        var archive = async () => await sink.WriteArchiveAsync(generationId, new MemoryStream());
        await archive.Should().ThrowAsync<GenerationNotFoundException>();
    }

    [Theory]
    [InlineData("missing.txt")]
    [InlineData("A.TXT")]
    [InlineData("../a.txt")]
    [InlineData("/a.txt")]
    [InlineData("./a.txt")]
    [InlineData("")]
    [InlineData("manifest.json")]
    public async Task OpenReadAsync_APathTheManifestDoesNotList_ReturnsNull(string path)
    {
        var (sink, id) = await CreatedAsync();
        await sink.SavePhaseAsync(id, 1, [Text("a.txt", "a")]);

        (await sink.OpenReadAsync(id, path)).Should().BeNull();
    }

    [Fact]
    public async Task OpenReadAsync_NullPath_ReturnsNull()
    {
        var (sink, id) = await CreatedAsync();

        (await sink.OpenReadAsync(id, null!)).Should().BeNull();
    }

    [Fact]
    public async Task OpenReadAsync_ReturnsAReadOnlyStream()
    {
        var (sink, id) = await CreatedAsync();
        await sink.SavePhaseAsync(id, 1, [Text("a.txt", "a")]);

        await using var stream = await sink.OpenReadAsync(id, "a.txt");

        stream!.CanRead.Should().BeTrue();
        stream.CanWrite.Should().BeFalse();
    }

    [Fact]
    public async Task WriteArchiveAsync_ZipsExactlyTheListedFiles()
    {
        var (sink, id) = await CreatedAsync();
        await sink.SavePhaseAsync(id, 1, [Text("a.txt", "alpha"), Text("src/deep/b.txt", "beta"), Text("gone.txt", "x")]);
        await sink.SavePhaseAsync(id, 2, [GeneratedFile.Delete("gone.txt"), Text("a.txt", "alpha2")]);
        using var destination = new MemoryStream();

        await sink.WriteArchiveAsync(id, destination);

        destination.Position = 0;
        using var zip = new ZipArchive(destination, ZipArchiveMode.Read);
        zip.Entries.Select(e => e.FullName).Should().BeEquivalentTo("a.txt", "src/deep/b.txt");
        using var reader = new StreamReader(zip.GetEntry("a.txt")!.Open());
        (await reader.ReadToEndAsync()).Should().Be("alpha2");
    }

    [Fact]
    public async Task WriteArchiveAsync_StreamsToANonSeekableStreamWithoutSynchronousWrites()
    {
        var (sink, id) = await CreatedAsync();
        await sink.SavePhaseAsync(id, 1, [Text("a.txt", new string('a', 1000)), Text("b/c.txt", "c")]);
        await using var destination = new AsyncOnlyWriteStream();

        await sink.WriteArchiveAsync(id, destination);

        using var zip = new ZipArchive(new MemoryStream(destination.ToArray()), ZipArchiveMode.Read);
        zip.Entries.Select(e => e.FullName).Should().BeEquivalentTo("a.txt", "b/c.txt");
        using var reader = new StreamReader(zip.GetEntry("a.txt")!.Open());
        (await reader.ReadToEndAsync()).Should().HaveLength(1000);
    }

    [Fact]
    public async Task WriteArchiveAsync_OfAnEmptyGeneration_WritesAnEmptyZip()
    {
        var (sink, id) = await CreatedAsync();
        using var destination = new MemoryStream();

        await sink.WriteArchiveAsync(id, destination);

        destination.Position = 0;
        using var zip = new ZipArchive(destination, ZipArchiveMode.Read);
        zip.Entries.Should().BeEmpty();
    }

    [Fact]
    public async Task WriteArchiveAsync_UnknownGeneration_ThrowsGenerationNotFound()
    {
        var sink = await CreateSinkAsync();

        var act = async () => await sink.WriteArchiveAsync(NewId(), new MemoryStream());

        await act.Should().ThrowAsync<GenerationNotFoundException>();
    }

    [Fact]
    public async Task WriteArchiveAsync_NullDestination_Throws()
    {
        var (sink, id) = await CreatedAsync();

        var act = async () => await sink.WriteArchiveAsync(id, null!);

        await act.Should().ThrowAsync<ArgumentNullException>();
    }

    [Fact]
    public async Task Reads_DuringOverwritingSaves_AlwaysOpenEveryListedFile()
    {
        var (sink, id) = await CreatedAsync();
        await sink.SavePhaseAsync(id, 1, Enumerable.Range(0, 5).Select(i => Text($"f{i}.txt", "phase 1")).ToArray());
        using var stop = new CancellationTokenSource();
        var failures = 0;
        var reads = 0;
        var reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reader = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                reading.TrySetResult();
                var manifest = await sink.GetManifestAsync(id);
                foreach (var file in manifest!.Files)
                {
                    // Paths are only ever overwritten here, so a listed path must always open.
                    await using var stream = await sink.OpenReadAsync(id, file.Path);
                    Interlocked.Increment(ref stream is null ? ref failures : ref reads);
                }
            }
        });

        await reading.Task.WithPatience();
        for (var phase = 2; phase <= 40; phase++)
        {
            await sink.SavePhaseAsync(id, phase, [Text($"f{phase % 5}.txt", $"phase {phase}")]);
            await Task.Yield();
        }

        await sink.CompleteAsync(id);
        await stop.CancelAsync();
        await reader.WithPatience();

        failures.Should().Be(0);
        reads.Should().BePositive();
    }
}
