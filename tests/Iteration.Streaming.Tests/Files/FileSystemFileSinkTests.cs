using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Iteration.Streaming.Files;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.Time.Testing;
using static Iteration.Streaming.Tests.Files.FileSystemSinkInspector;

namespace Iteration.Streaming.Tests.Files;

/// <summary>The file-system sink's layout, its reading of wave-1 folders, and its distrust of what it reads from disk.</summary>
public sealed class FileSystemFileSinkTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private FileSystemFileSink NewSink() => FileSystemSinkInspector.NewSink(_folder.Path);

    private static string Sha256(string content) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)));

    /// <summary>Writes a generation the way wave 1 did: <c>{id}/manifest.json</c> and its own <c>{id}/blobs/{sha256}</c>.</summary>
    private async Task<string> WriteWave1GenerationAsync(params (string Path, string Content)[] files)
    {
        var id = NewId();
        var blobs = Directory.CreateDirectory(Path.Combine(_folder.Path, id, "blobs")).FullName;
        Directory.CreateDirectory(Path.Combine(_folder.Path, id, "tmp"));
        var entries = new List<string>();
        foreach (var (path, content) in files.OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            var sha = Sha256(content);
            await File.WriteAllTextAsync(Path.Combine(blobs, sha), content);
            entries.Add($$"""{"path":"{{path}}","size":{{Encoding.UTF8.GetByteCount(content)}},"phase":1,"sha256":"{{sha}}"}""");
        }

        await File.WriteAllTextAsync(
            Path.Combine(_folder.Path, id, "manifest.json"),
            $$"""{"version":1,"generation_id":"{{id}}","is_complete":true,"files":[{{string.Join(",", entries)}}]}""");
        return id;
    }

    [Fact]
    public async Task SavePhaseAsync_StoresContentInTheSharedStore_ByHash()
    {
        var sink = NewSink();
        var id = NewId();
        await sink.CreateAsync(id, null);

        await sink.SavePhaseAsync(id, 1, [Text("src/app.py", "print()")]);

        File.Exists(ContentPath(_folder.Path, Sha256("print()"))).Should().BeTrue();
        Directory.Exists(Path.Combine(_folder.Path, id, "blobs")).Should().BeFalse();
    }

    [Fact]
    public async Task IdenticalContents_AreStoredOnce_AcrossPathsAndGenerations()
    {
        var sink = NewSink();
        var (first, second) = (NewId(), NewId());
        await sink.CreateAsync(first, null);
        await sink.CreateAsync(second, null);

        await sink.SavePhaseAsync(first, 1, [Text("a.txt", "same"), Text("b.txt", "same")]);
        await sink.SavePhaseAsync(second, 1, [Text("c.txt", "same")]);

        StoredContent(_folder.Path).Should().Equal(Sha256("same"));
        await AssertManifestAgreesWithFilesAsync(sink, first);
        await AssertManifestAgreesWithFilesAsync(sink, second);
    }

    [Fact]
    public async Task CreateAsync_AnIteration_ReferencesTheParentsContent_WithoutCopyingIt()
    {
        var sink = NewSink();
        var parent = NewId();
        await sink.CreateAsync(parent, null);
        await sink.SavePhaseAsync(parent, 1, [Text("a.txt", "a"), Text("b.txt", "b")]);
        await sink.CompleteAsync(parent);
        var before = StoredContent(_folder.Path);
        var child = NewId();

        await sink.CreateAsync(child, parent);

        StoredContent(_folder.Path).Should().Equal(before);
        // No content of its own: its manifest, and the journal that records the carried hashes for its sweeps.
        Directory.EnumerateFiles(Path.Combine(_folder.Path, child), "*", SearchOption.AllDirectories)
            .Select(Path.GetFileName).Should().BeEquivalentTo("manifest.json", "content.journal");
        await AssertManifestAgreesWithFilesAsync(sink, child);
    }

    [Fact]
    public async Task CreateFromAsync_ReferencesTheSourcesContent_WithoutCopyingIt()
    {
        var sink = NewSink();
        var source = NewId();
        await sink.CreateAsync(source, null);
        await sink.SavePhaseAsync(source, 1, [Text("a.txt", "a"), Text("b.txt", "b")]);
        var before = StoredContent(_folder.Path);
        var retry = NewId();

        await sink.CreateFromAsync(retry, source);

        StoredContent(_folder.Path).Should().Equal(before);
        await AssertManifestAgreesWithFilesAsync(sink, retry);
    }

    [Fact]
    public async Task GeneratedPaths_NeverBecomeFileSystemPaths()
    {
        var sink = NewSink();
        var id = NewId();
        await sink.CreateAsync(id, null);

        await sink.SavePhaseAsync(id, 1, [Text("src/app.py", "print()"), Text("deep/er/than/that.txt", "x")]);

        var entries = Directory.EnumerateFileSystemEntries(_folder.Path, "*", SearchOption.AllDirectories)
            .Select(e => Path.GetRelativePath(_folder.Path, e).Replace('\\', '/'))
            .ToArray();
        entries.Should().OnlyContain(e => e.StartsWith(id, StringComparison.Ordinal) || e.StartsWith(".content", StringComparison.Ordinal));
        entries.Should().NotContain(e => e.EndsWith("app.py", StringComparison.Ordinal) || e.Contains("/deep", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("content")]
    [InlineData("deleted")]
    [InlineData("tmp")]
    [InlineData("blobs")]
    public async Task AGenerationNamedLikeAFolderOfTheLayout_NeverMeetsIt(string generationId)
    {
        var sink = NewSink();
        var other = NewId();
        await sink.CreateAsync(other, null);
        await sink.SavePhaseAsync(other, 1, [Text("a.txt", "other")]);
        await sink.CreateAsync(generationId, null);
        await sink.SavePhaseAsync(generationId, 1, [Text("a.txt", "named")]);

        (await sink.DeleteAsync(generationId)).Should().BeTrue();

        await AssertManifestAgreesWithFilesAsync(sink, other);
        StoredContent(_folder.Path).Should().Equal(Sha256("other"));
    }

    [Fact]
    public async Task ANewInstanceOverTheSameRoot_ReadsWhatAnotherSaved()
    {
        var id = NewId();
        var first = NewSink();
        await first.CreateAsync(id, null);
        await first.SavePhaseAsync(id, 1, [Text("src/app.py", "print()")]);
        await first.CompleteAsync(id);

        var second = NewSink();

        (await second.GetManifestAsync(id)).Should().BeEquivalentTo(await first.GetManifestAsync(id));
        await AssertManifestAgreesWithFilesAsync(second, id);
    }

    [Fact]
    public async Task Wave1Generation_IsStillReadable_FilesAndArchive()
    {
        var id = await WriteWave1GenerationAsync(("a.txt", "alpha"), ("src/b.txt", "beta"));
        var sink = NewSink();

        await AssertManifestAgreesWithFilesAsync(sink, id);
        using var destination = new MemoryStream();
        await sink.WriteArchiveAsync(id, destination);
        destination.Position = 0;
        using var zip = new ZipArchive(destination, ZipArchiveMode.Read);
        zip.Entries.Select(e => e.FullName).Should().BeEquivalentTo("a.txt", "src/b.txt");
    }

    [Fact]
    public async Task Wave1Parent_OfAnIteration_HasItsContentImported_SoDeletingTheParentKeepsTheChild()
    {
        var parent = await WriteWave1GenerationAsync(("a.txt", "alpha"), ("src/b.txt", "beta"));
        var sink = NewSink();
        var child = NewId();
        await sink.CreateAsync(child, parent);
        await sink.SavePhaseAsync(child, 1, [Text("a.txt", "changed")]);
        await sink.CompleteAsync(child);

        (await sink.DeleteAsync(parent)).Should().BeTrue();

        Directory.Exists(Path.Combine(_folder.Path, parent)).Should().BeFalse();
        await AssertManifestAgreesWithFilesAsync(sink, child);
        (await sink.GetManifestAsync(child))!.Files.Select(f => (f.Path, f.Phase)).Should().Equal(("a.txt", 1), ("src/b.txt", 0));
        AssertStoreHoldsExactlyTheListedContent(_folder.Path);
    }

    [Fact]
    public async Task Wave1Source_OfARetry_HasItsContentImported()
    {
        var source = await WriteWave1GenerationAsync(("a.txt", "alpha"));
        var sink = NewSink();
        var retry = NewId();

        await sink.CreateFromAsync(retry, source);
        await sink.DeleteAsync(source);

        await AssertManifestAgreesWithFilesAsync(sink, retry);
        (await sink.GetManifestAsync(retry))!.Files.Should().ContainSingle();
    }

    [Fact]
    public async Task Wave1Parent_WhoseBlobWasTamperedWith_LeavesThatFileBehind()
    {
        var parent = await WriteWave1GenerationAsync(("a.txt", "a"), ("b.txt", "b"));
        await File.WriteAllTextAsync(Path.Combine(_folder.Path, parent, "blobs", Sha256("b")), "tampered");
        var sink = NewSink();
        var child = NewId();

        await sink.CreateAsync(child, parent);

        (await sink.GetManifestAsync(child))!.Files.Select(f => f.Path).Should().Equal("a.txt");
        await AssertManifestAgreesWithFilesAsync(sink, child);
    }

    [Fact]
    public async Task CreateAsync_WithAParentWhoseContentIsGone_LeavesThatFileBehind()
    {
        var sink = NewSink();
        var parent = NewId();
        await sink.CreateAsync(parent, null);
        await sink.SavePhaseAsync(parent, 1, [Text("a.txt", "a"), Text("b.txt", "b")]);
        File.Delete(ContentPath(_folder.Path, Sha256("a")));
        var child = NewId();

        await sink.CreateAsync(child, parent);

        (await sink.GetManifestAsync(child))!.Files.Select(f => f.Path).Should().Equal("b.txt");
        await AssertManifestAgreesWithFilesAsync(sink, child);
    }

    [Fact]
    public async Task CreateAsync_WithAParentWhoseContentWasTruncated_LeavesThatFileBehind()
    {
        var sink = NewSink();
        var parent = NewId();
        await sink.CreateAsync(parent, null);
        await sink.SavePhaseAsync(parent, 1, [Text("a.txt", "a"), Text("b.txt", "bbbb")]);
        await File.WriteAllTextAsync(ContentPath(_folder.Path, Sha256("bbbb")), "b");
        var child = NewId();

        await sink.CreateAsync(child, parent);

        (await sink.GetManifestAsync(child))!.Files.Select(f => f.Path).Should().Equal("a.txt");
    }

    [Fact]
    public async Task GetManifestAsync_ManifestThatIsNotJson_ThrowsInvalidData()
    {
        var sink = NewSink();
        var id = NewId();
        await sink.CreateAsync(id, null);
        await File.WriteAllTextAsync(Path.Combine(_folder.Path, id, "manifest.json"), "{ not json");

        var act = async () => await sink.GetManifestAsync(id);

        await act.Should().ThrowAsync<InvalidDataException>().WithMessage($"*{id}*");
    }

    [Theory]
    [InlineData("../../../../etc/passwd")]
    [InlineData("ABCDEF")]
    [InlineData("")]
    public async Task GetManifestAsync_ManifestWithAForgedHash_ThrowsInvalidData_SoNoPathIsBuiltFromIt(string hash)
    {
        var sink = NewSink();
        var id = NewId();
        await sink.CreateAsync(id, null);
        await File.WriteAllTextAsync(
            Path.Combine(_folder.Path, id, "manifest.json"),
            $$"""{"version":1,"generation_id":"{{id}}","is_complete":true,"files":[{"path":"a.txt","size":1,"phase":1,"sha256":"{{hash}}"}]}""");

        var act = async () => await sink.OpenReadAsync(id, "a.txt");

        await act.Should().ThrowAsync<InvalidDataException>();
    }

    [Theory]
    [InlineData("../escape.txt", "b.txt")]
    [InlineData("/etc/passwd", "b.txt")]
    [InlineData("b.txt", "a.txt")]
    [InlineData("a.txt", "a.txt")]
    public async Task GetManifestAsync_ManifestWithForgedOrUnorderedPaths_ThrowsInvalidData(string first, string second)
    {
        var sink = NewSink();
        var id = NewId();
        await sink.CreateAsync(id, null);
        var hash = new string('0', 64);
        await File.WriteAllTextAsync(
            Path.Combine(_folder.Path, id, "manifest.json"),
            $$"""{"version":1,"generation_id":"{{id}}","is_complete":true,"files":[{"path":"{{first}}","size":1,"phase":1,"sha256":"{{hash}}"},{"path":"{{second}}","size":1,"phase":1,"sha256":"{{hash}}"}]}""");

        var act = async () => await sink.WriteArchiveAsync(id, new MemoryStream());

        await act.Should().ThrowAsync<InvalidDataException>();
    }

    [Fact]
    public async Task GetManifestAsync_ManifestOfAnotherGeneration_ThrowsInvalidData()
    {
        var sink = NewSink();
        var id = NewId();
        await sink.CreateAsync(id, null);
        await File.WriteAllTextAsync(
            Path.Combine(_folder.Path, id, "manifest.json"),
            """{"version":1,"generation_id":"someone-else","is_complete":true,"files":[]}""");

        var act = async () => await sink.GetManifestAsync(id);

        await act.Should().ThrowAsync<InvalidDataException>();
    }

    [Fact]
    public async Task CreateFromAsync_SourceWithAMalformedManifest_ThrowsInvalidData_AndCreatesNothing()
    {
        var sink = NewSink();
        var source = NewId();
        await sink.CreateAsync(source, null);
        await File.WriteAllTextAsync(Path.Combine(_folder.Path, source, "manifest.json"), "[]");
        var retry = NewId();

        var act = async () => await sink.CreateFromAsync(retry, source);

        await act.Should().ThrowAsync<InvalidDataException>();
        Directory.Exists(Path.Combine(_folder.Path, retry)).Should().BeFalse();
    }

    [Fact]
    public void Root_IsResolvedToAnAbsolutePath()
    {
        var sink = new FileSystemFileSink(
            new StaticOptionsMonitor<IterationStreamingOptions>(new IterationStreamingOptions { FileSinkRoot = "relative/root" }),
            new FakeTimeProvider());

        Path.IsPathFullyQualified(sink.Root).Should().BeTrue();
        sink.Root.Replace('\\', '/').Should().EndWith("relative/root");
    }
}
