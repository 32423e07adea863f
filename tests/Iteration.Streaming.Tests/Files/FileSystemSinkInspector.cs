using System.Security.Cryptography;
using System.Text.Json;
using Iteration.Streaming.Files;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.Tests.Files;

/// <summary>Looks at a file-system sink's root from outside, the way an operator (or a restarted process) would.</summary>
internal static class FileSystemSinkInspector
{
    public static FileSystemFileSink NewSink(string root, IterationStreamingOptions? options = null) =>
        new(new StaticOptionsMonitor<IterationStreamingOptions>(options ?? new IterationStreamingOptions()), new FakeTimeProvider(), root: root);

    public static GeneratedFile Text(string path, string content) => GeneratedFile.FromText(path, content);

    public static string NewId() => Guid.NewGuid().ToString();

    public static string ContentPath(string root, string sha256) => Path.Combine(root, ".content", sha256[..2], sha256);

    /// <summary>Saves a phase that stops after storing its content and before its manifest: what a failed run leaves.</summary>
    public static async Task SaveWithoutManifestAsync(FileSystemFileSink sink, string id, int phase, params GeneratedFile[] files)
    {
        var previous = sink.CrashPoint;
        sink.CrashPoint = step =>
        {
            if (step == "before-manifest")
            {
                throw new OperationCanceledException("The run stopped before its manifest.");
            }
        };
        try
        {
            var act = async () => await sink.SavePhaseAsync(id, phase, files);
            await act.Should().ThrowAsync<OperationCanceledException>();
        }
        finally
        {
            sink.CrashPoint = previous;
        }
    }

    /// <summary>The hashes held by the shared content store.</summary>
    public static string[] StoredContent(string root)
    {
        var store = Path.Combine(root, ".content");
        return Directory.Exists(store)
            ? Directory.EnumerateFiles(store, "*", SearchOption.AllDirectories).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray()
            : [];
    }

    /// <summary>The hashes named by the manifests (files and history) of the generations under the root.</summary>
    public static string[] ListedContent(string root) =>
        Directory.EnumerateDirectories(root)
            .Where(d => !Path.GetFileName(d).StartsWith('.'))
            .Select(d => Path.Combine(d, "manifest.json"))
            .Where(File.Exists)
            .SelectMany(ReadHashes)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToArray();

    /// <summary>Nothing stored that no manifest names, nothing named that is not stored, no temp file, nothing half deleted.</summary>
    public static void AssertStoreHoldsExactlyTheListedContent(string root)
    {
        StoredContent(root).Should().Equal(ListedContent(root), "the store holds exactly the content the manifests name");
        Directory.EnumerateFiles(root, "*.tmp", SearchOption.AllDirectories).Should().BeEmpty("no temp file is left behind");
        var deleted = Path.Combine(root, ".deleted");
        (Directory.Exists(deleted) ? Directory.EnumerateFileSystemEntries(deleted) : []).Should().BeEmpty("every delete finished");
    }

    /// <summary>Every listed file opens, with the size and SHA-256 the manifest records.</summary>
    public static async Task AssertManifestAgreesWithFilesAsync(IFileSink sink, string id)
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

    private static IEnumerable<string> ReadHashes(string manifestPath)
    {
        // A manifest names its files' content and every content of its history (earlier phases' states).
        using var document = JsonDocument.Parse(File.ReadAllBytes(manifestPath));
        var files = document.RootElement.GetProperty("files").EnumerateArray();
        var history = document.RootElement.TryGetProperty("history", out var entries)
            ? entries.EnumerateArray().SelectMany(e => e.GetProperty("written").EnumerateArray())
            : [];
        return files.Concat(history).Select(f => f.GetProperty("sha256").GetString()!).ToArray();
    }
}
