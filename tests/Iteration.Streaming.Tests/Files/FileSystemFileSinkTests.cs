using System.Security.Cryptography;
using System.Text;
using Iteration.Streaming.Files;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.Tests.Files;

public sealed class FileSystemFileSinkTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private FileSystemFileSink NewSink() =>
        new(new StaticOptionsMonitor<IterationStreamingOptions>(new IterationStreamingOptions()), new FakeTimeProvider(), root: _folder.Path);

    private static GeneratedFile Text(string path, string content) => GeneratedFile.FromText(path, content);

    /// <summary>Every listed file opens, with the size and SHA-256 the manifest records.</summary>
    private static async Task AssertManifestAgreesWithFilesAsync(FileSystemFileSink sink, string id)
    {
        var manifest = await sink.GetManifestAsync(id);
        manifest.Should().NotBeNull();
        foreach (var file in manifest!.Files)
        {
            await using var stream = await sink.OpenReadAsync(id, file.Path);
            stream.Should().NotBeNull($"the manifest lists {file.Path}");
            using var copy = new MemoryStream();
            await stream!.CopyToAsync(copy);
            copy.Length.Should().Be(file.Size, $"the manifest records the size of {file.Path}");
            Convert.ToHexStringLower(SHA256.HashData(copy.ToArray())).Should().Be(file.Sha256, $"the manifest records the hash of {file.Path}");
        }
    }

    [Fact]
    public async Task CrashBetweenFileAndManifest_LeavesTheManifestOfThePreviousPhase_WhoseFilesAllExist()
    {
        var sink = NewSink();
        var id = Guid.NewGuid().ToString();
        await sink.CreateAsync(id, null);
        await sink.SavePhaseAsync(id, 1, [Text("a.txt", "one"), Text("b.txt", "b")]);
        sink.CrashPoint = step => { if (step == "before-manifest") { throw new SimulatedCrashException(); } };

        var act = async () => await sink.SavePhaseAsync(id, 2, [Text("a.txt", "two"), Text("c.txt", "c"), GeneratedFile.Delete("b.txt")]);

        await act.Should().ThrowAsync<SimulatedCrashException>();
        var restarted = NewSink();
        (await restarted.GetManifestAsync(id))!.Files.Select(f => (f.Path, f.Phase)).Should().Equal(("a.txt", 1), ("b.txt", 1));
        await AssertManifestAgreesWithFilesAsync(restarted, id);
    }

    [Fact]
    public async Task CrashAtAnyWriteStep_TheManifestIsTheOldOrTheNewPhase_AndAgreesWithTheFiles()
    {
        var crashedAt = new List<string>();
        for (var crashAt = 1; ; crashAt++)
        {
            var sink = NewSink();
            var id = Guid.NewGuid().ToString();
            await sink.CreateAsync(id, null);
            await sink.SavePhaseAsync(id, 1, [Text("a.txt", "one"), Text("b.txt", "b")]);
            var step = 0;
            string? crashed = null;
            sink.CrashPoint = name =>
            {
                if (++step == crashAt)
                {
                    crashed = name;
                    throw new SimulatedCrashException();
                }
            };

            try
            {
                await sink.SavePhaseAsync(id, 2, [Text("a.txt", "two"), Text("c.txt", "c"), GeneratedFile.Delete("b.txt")]);
            }
            catch (SimulatedCrashException)
            {
            }

            var restarted = NewSink();
            var paths = (await restarted.GetManifestAsync(id))!.Files.Select(f => f.Path).ToArray();
            string.Join(",", paths).Should().BeOneOf("a.txt,b.txt", "a.txt,c.txt");
            await AssertManifestAgreesWithFilesAsync(restarted, id);

            // After the crash the next save works as if nothing happened.
            await restarted.SavePhaseAsync(id, 3, [Text("d.txt", "d")]);
            await AssertManifestAgreesWithFilesAsync(restarted, id);

            if (crashed is null)
            {
                break;
            }

            crashedAt.Add(crashed);
        }

        crashedAt.Should().Contain("before-manifest").And.Contain("before-rename:manifest.json").And.Contain("after-manifest");
        crashedAt.Count(s => s.StartsWith("before-rename:", StringComparison.Ordinal)).Should().Be(3, "two blobs and the manifest are renamed into place");
    }

    [Fact]
    public async Task ANewInstanceOverTheSameRoot_ReadsWhatAnotherSaved()
    {
        var id = Guid.NewGuid().ToString();
        var first = NewSink();
        await first.CreateAsync(id, null);
        await first.SavePhaseAsync(id, 1, [Text("src/app.py", "print()")]);
        await first.CompleteAsync(id);

        var second = NewSink();

        (await second.GetManifestAsync(id)).Should().BeEquivalentTo(await first.GetManifestAsync(id));
        await AssertManifestAgreesWithFilesAsync(second, id);
    }

    [Fact]
    public async Task GeneratedPaths_NeverBecomeFileSystemPaths()
    {
        var sink = NewSink();
        var id = Guid.NewGuid().ToString();
        await sink.CreateAsync(id, null);

        await sink.SavePhaseAsync(id, 1, [Text("src/app.py", "print()"), Text("deep/er/than/that.txt", "x")]);

        var entries = Directory.EnumerateFileSystemEntries(_folder.Path, "*", SearchOption.AllDirectories)
            .Select(e => Path.GetRelativePath(_folder.Path, e).Replace('\\', '/'))
            .ToArray();
        entries.Should().OnlyContain(e => e.StartsWith(id, StringComparison.Ordinal), "everything stays in the generation's folder");
        entries.Should().NotContain(e => e.EndsWith("app.py", StringComparison.Ordinal) || e.Contains("/deep", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CompleteAsync_RemovesContentsNoLongerListed()
    {
        var sink = NewSink();
        var id = Guid.NewGuid().ToString();
        await sink.CreateAsync(id, null);
        await sink.SavePhaseAsync(id, 1, [Text("a.txt", "one"), Text("b.txt", "b")]);
        await sink.SavePhaseAsync(id, 2, [Text("a.txt", "two"), GeneratedFile.Delete("b.txt")]);

        await sink.CompleteAsync(id);

        Directory.GetFiles(Path.Combine(_folder.Path, id, "blobs")).Should().ContainSingle();
        Directory.GetFiles(Path.Combine(_folder.Path, id, "tmp")).Should().BeEmpty();
        await AssertManifestAgreesWithFilesAsync(sink, id);
    }

    [Fact]
    public async Task IdenticalContents_AreStoredOnce()
    {
        var sink = NewSink();
        var id = Guid.NewGuid().ToString();
        await sink.CreateAsync(id, null);

        await sink.SavePhaseAsync(id, 1, [Text("a.txt", "same"), Text("b.txt", "same")]);

        Directory.GetFiles(Path.Combine(_folder.Path, id, "blobs")).Should().ContainSingle();
        await AssertManifestAgreesWithFilesAsync(sink, id);
    }

    [Fact]
    public async Task CreateAsync_WithAParentWhoseFileWasTamperedWith_LeavesThatFileBehind()
    {
        var sink = NewSink();
        var parent = Guid.NewGuid().ToString();
        await sink.CreateAsync(parent, null);
        var manifest = await sink.SavePhaseAsync(parent, 1, [Text("a.txt", "a"), Text("b.txt", "b")]);
        await sink.CompleteAsync(parent);
        var blob = Path.Combine(_folder.Path, parent, "blobs", manifest.Files.Single(f => f.Path == "b.txt").Sha256);
        await File.WriteAllTextAsync(blob, "tampered");
        var child = Guid.NewGuid().ToString();

        await sink.CreateAsync(child, parent);

        (await sink.GetManifestAsync(child))!.Files.Select(f => f.Path).Should().Equal("a.txt");
        await AssertManifestAgreesWithFilesAsync(sink, child);
    }

    [Fact]
    public async Task CreateAsync_WithAParentWhoseFileIsGone_LeavesThatFileBehind()
    {
        var sink = NewSink();
        var parent = Guid.NewGuid().ToString();
        await sink.CreateAsync(parent, null);
        var manifest = await sink.SavePhaseAsync(parent, 1, [Text("a.txt", "a"), Text("b.txt", "b")]);
        File.Delete(Path.Combine(_folder.Path, parent, "blobs", manifest.Files.Single(f => f.Path == "a.txt").Sha256));
        var child = Guid.NewGuid().ToString();

        await sink.CreateAsync(child, parent);

        (await sink.GetManifestAsync(child))!.Files.Select(f => f.Path).Should().Equal("b.txt");
    }

    [Fact]
    public async Task GetManifestAsync_ManifestThatIsNotJson_ThrowsInvalidData()
    {
        var sink = NewSink();
        var id = Guid.NewGuid().ToString();
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
        var id = Guid.NewGuid().ToString();
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
        var id = Guid.NewGuid().ToString();
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
        var id = Guid.NewGuid().ToString();
        await sink.CreateAsync(id, null);
        await File.WriteAllTextAsync(
            Path.Combine(_folder.Path, id, "manifest.json"),
            """{"version":1,"generation_id":"someone-else","is_complete":true,"files":[]}""");

        var act = async () => await sink.GetManifestAsync(id);

        await act.Should().ThrowAsync<InvalidDataException>();
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

    private sealed class SimulatedCrashException : Exception;
}
