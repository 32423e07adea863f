using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Iteration.Streaming.Files;
using Iteration.Streaming.TestUtilities;
using static Iteration.Streaming.Tests.Files.FileSystemSinkInspector;

namespace Iteration.Streaming.Tests.Files;

/// <summary>
/// The file-system sink's history as stored: manifests written before history was kept, a forged history, and the
/// content store holding exactly what the histories name while forks and their sources are deleted.
/// </summary>
public sealed class FileSystemFileSinkHistoryTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static string Sha256(string content) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)));

    private string ManifestPath(string id) => Path.Combine(_folder.Path, id, "manifest.json");

    /// <summary>Saves phases 1 and 2, then rewrites the manifest as versions before history wrote it (no <c>history</c>, no <c>start_phase</c>).</summary>
    private async Task<(FileSystemFileSink Sink, string Id)> LegacyGenerationAsync()
    {
        var sink = NewSink(_folder.Path);
        var id = NewId();
        await sink.CreateAsync(id, null);
        await sink.SavePhaseAsync(id, 1, [Text("a.txt", "a1"), Text("b.txt", "b1")]);
        await sink.SavePhaseAsync(id, 2, [Text("a.txt", "a2")]);
        var json = JsonNode.Parse(await File.ReadAllTextAsync(ManifestPath(id)))!.AsObject();
        json.Remove("history");
        json.Remove("start_phase");
        await File.WriteAllTextAsync(ManifestPath(id), json.ToJsonString());
        return (sink, id);
    }

    [Fact]
    public async Task GetHistoryAsync_ManifestWithoutHistory_ReadsAsOneStateAtItsHighestPhase()
    {
        var (sink, id) = await LegacyGenerationAsync();
        var manifest = await sink.GetManifestAsync(id);

        var history = await sink.GetHistoryAsync(id);

        history.Should().NotBeNull();
        history!.Entries.Should().ContainSingle();
        history.SavedPhases.Should().Equal(2);
        history.StartPhase.Should().Be(2);
        history.StateAt(2).Should().Equal(manifest!.Files);
        history.StateAt(1).Should().BeNull("the states before it were never recorded");
    }

    [Fact]
    public async Task SavePhaseAsync_OverAManifestWithoutHistory_AppendsToItsPresentState()
    {
        var (sink, id) = await LegacyGenerationAsync();
        var before = (await sink.GetManifestAsync(id))!.Files;

        var saved = await sink.SavePhaseAsync(id, 3, [Text("c.txt", "c3")]);

        var history = await sink.GetHistoryAsync(id);
        history!.SavedPhases.Should().Equal(2, 3);
        history.StartPhase.Should().Be(2);
        history.StateAt(2).Should().Equal(before);
        history.StateAt(3).Should().Equal(saved.Files);
    }

    [Fact]
    public async Task CreateForkAsync_OfAManifestWithoutHistory_ForksItsPresentStateOnly()
    {
        var (sink, id) = await LegacyGenerationAsync();
        var fork = NewId();

        await sink.CreateForkAsync(fork, id, 2);
        var earlier = async () => await sink.CreateForkAsync(NewId(), id, 1);

        (await sink.GetManifestAsync(fork))!.Files.Should().Equal((await sink.GetManifestAsync(id))!.Files);
        await earlier.Should().ThrowAsync<ArgumentOutOfRangeException>();
    }

    [Fact]
    public async Task OpenContentAsync_ManifestWithoutHistory_OpensWhatItListsOnly()
    {
        var (sink, id) = await LegacyGenerationAsync();
        var listed = (await sink.GetManifestAsync(id))!.Files.Single(f => f.Path == "a.txt");

        await using var current = await sink.OpenContentAsync(id, listed);
        await using var replaced = await sink.OpenContentAsync(id, listed with { Sha256 = Sha256("a1"), Size = 2, Phase = 1 });

        current.Should().NotBeNull();
        replaced.Should().BeNull("the manifest no longer names phase 1's content");
    }

    [Theory]
    [InlineData("""[{"phase":1,"written":[]},{"phase":0,"written":[]}]""")]
    [InlineData("""[{"phase":-1,"written":[]}]""")]
    [InlineData("""[{"phase":1,"written":[{"path":"a.txt","size":1,"phase":1,"sha256":"../../../../etc/passwd"}]}]""")]
    [InlineData("""[{"phase":1,"written":[{"path":"../escape.txt","size":1,"phase":1,"sha256":"0000000000000000000000000000000000000000000000000000000000000000"}]}]""")]
    [InlineData("""[{"phase":1,"written":[],"deleted":["/etc/passwd"]}]""")]
    [InlineData("""[{"phase":1,"written":[],"deleted":null}]""")]
    [InlineData("""[null]""")]
    public async Task GetHistoryAsync_AForgedHistory_ThrowsInvalidData(string history)
    {
        var sink = NewSink(_folder.Path);
        var id = NewId();
        await sink.CreateAsync(id, null);
        await File.WriteAllTextAsync(ManifestPath(id), $$"""{"version":1,"generation_id":"{{id}}","files":[],"history":{{history}}}""");

        var act = async () => await sink.GetHistoryAsync(id);

        await act.Should().ThrowAsync<InvalidDataException>().WithMessage($"*{id}*");
    }

    [Fact]
    public async Task GetHistoryAsync_ANegativeStartPhase_ThrowsInvalidData()
    {
        var sink = NewSink(_folder.Path);
        var id = NewId();
        await sink.CreateAsync(id, null);
        await File.WriteAllTextAsync(ManifestPath(id), $$"""{"version":1,"generation_id":"{{id}}","files":[],"history":[{"phase":0,"written":[]}],"start_phase":-1}""");

        var act = async () => await sink.GetHistoryAsync(id);

        await act.Should().ThrowAsync<InvalidDataException>();
    }

    [Fact]
    public async Task DeleteAsync_OfAForkedSource_KeepsTheForksEarlierStatesInTheStore_AndDeletingTheForkFreesThem()
    {
        var sink = NewSink(_folder.Path);
        var source = NewId();
        await sink.CreateAsync(source, null);
        await sink.SavePhaseAsync(source, 1, [Text("a.txt", "a1"), Text("b.txt", "b1")]);
        await sink.SavePhaseAsync(source, 2, [Text("a.txt", "a2"), GeneratedFile.Delete("b.txt")]);
        await sink.SavePhaseAsync(source, 3, [Text("c.txt", "c3")]);
        await sink.CompleteAsync(source);
        var fork = NewId();
        await sink.CreateForkAsync(fork, source, 2);
        await sink.SavePhaseAsync(fork, 3, [Text("f.txt", "f3")]);
        await sink.CompleteAsync(fork);

        await sink.DeleteAsync(source);

        StoredContent(_folder.Path).Should().BeEquivalentTo(Sha256("a1"), Sha256("b1"), Sha256("a2"), Sha256("f3"));
        AssertStoreHoldsExactlyTheListedContent(_folder.Path);

        await sink.DeleteAsync(fork);

        StoredContent(_folder.Path).Should().BeEmpty();
        AssertStoreHoldsExactlyTheListedContent(_folder.Path);
    }

    [Fact]
    public async Task CompleteAsync_OfAGenerationThatOverwroteAFile_KeepsTheOverwrittenContentItsHistoryNames()
    {
        var sink = NewSink(_folder.Path);
        var id = NewId();
        await sink.CreateAsync(id, null);
        var first = await sink.SavePhaseAsync(id, 1, [Text("a.txt", "first")]);
        await sink.SavePhaseAsync(id, 2, [Text("a.txt", "second")]);

        await sink.CompleteAsync(id);

        StoredContent(_folder.Path).Should().BeEquivalentTo(Sha256("first"), Sha256("second"));
        await using var stream = await sink.OpenContentAsync(id, first.Files[0]);
        stream.Should().NotBeNull();
        AssertStoreHoldsExactlyTheListedContent(_folder.Path);
    }
}
