using System.Text.Json.Nodes;
using Iteration.Streaming.Azure.Storage.Blobs.Tests.Fixtures;
using Iteration.Streaming.Files;
using static Iteration.Streaming.Azure.Storage.Blobs.Tests.Fixtures.BlobSinkHarness;

namespace Iteration.Streaming.Azure.Storage.Blobs.Tests.Files;

/// <summary>
/// The blob sink's history as stored: manifests written before history was kept (and their <c>dropped/</c> records),
/// forks sharing content, and the container holding exactly what the histories name while forks and sources are deleted.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class HistoryTests(AzuriteFixture azurite)
{
    /// <summary>Phases 1–3 of a generation: an overwrite, a delete, a new file.</summary>
    private static async Task<string> SavedThreePhasesAsync(BlobSinkHarness harness)
    {
        var id = await harness.CreatedAsync(Text("a.txt", "a1"), Text("b.txt", "b1"));
        await harness.Sink.SavePhaseAsync(id, 2, [Text("a.txt", "a2"), GeneratedFile.Delete("b.txt")]);
        await harness.Sink.SavePhaseAsync(id, 3, [Text("c.txt", "c3")]);
        return id;
    }

    /// <summary>Rewrites the manifest as versions before history wrote it: no <c>history</c>, no <c>start_phase</c>.</summary>
    private static async Task RemoveHistoryAsync(BlobSinkHarness harness, string id)
    {
        var json = JsonNode.Parse(await harness.ManifestJsonAsync(id))!.AsObject();
        json.Remove("history");
        json.Remove("start_phase");
        await harness.Container.GetBlobClient($"generations/{id}/manifest.json").UploadAsync(BinaryData.FromString(json.ToJsonString()), overwrite: true);
    }

    [Fact]
    public async Task GetHistoryAsync_ManifestWithoutHistory_ReadsAsOneStateAtItsHighestPhase()
    {
        var harness = new BlobSinkHarness(azurite);
        var id = await SavedThreePhasesAsync(harness);
        await RemoveHistoryAsync(harness, id);

        var history = await harness.Sink.GetHistoryAsync(id);

        history!.Entries.Should().ContainSingle();
        history.SavedPhases.Should().Equal(3);
        history.StartPhase.Should().Be(3);
        history.StateAt(3).Should().Equal((await harness.Sink.GetManifestAsync(id))!.Files);
        history.StateAt(1).Should().BeNull();
    }

    [Fact]
    public async Task SavePhaseAsync_OverAManifestWithoutHistory_AppendsToItsPresentState()
    {
        var harness = new BlobSinkHarness(azurite);
        var id = await SavedThreePhasesAsync(harness);
        await RemoveHistoryAsync(harness, id);
        var before = (await harness.Sink.GetManifestAsync(id))!.Files;

        var saved = await harness.Sink.SavePhaseAsync(id, 4, [Text("d.txt", "d4")]);

        var history = await harness.Sink.GetHistoryAsync(id);
        history!.SavedPhases.Should().Equal(3, 4);
        history.StartPhase.Should().Be(3);
        history.StateAt(3).Should().Equal(before);
        history.StateAt(4).Should().Equal(saved.Files);
    }

    [Fact]
    public async Task DeleteAsync_OfAManifestWithoutHistory_StillRemovesTheContentItsDroppedRecordsList()
    {
        var harness = new BlobSinkHarness(azurite);
        var id = await harness.CreatedAsync(Text("a.txt", "now"));
        await harness.Sink.CompleteAsync(id);
        await RemoveHistoryAsync(harness, id);

        // What an earlier version left: a content the generation stopped listing, and the record of it.
        await harness.Container.GetBlobClient($"content/{Sha256("before")}").UploadAsync(BinaryData.FromString("before"));
        var dropped = $$"""{"version":1,"generation_id":"{{id}}","files":[{"path":"a.txt","size":6,"phase":1,"sha256":"{{Sha256("before")}}"}]}""";
        await harness.Container.GetBlobClient($"generations/{id}/dropped/0.json").UploadAsync(BinaryData.FromString(dropped));

        (await harness.Sink.DeleteAsync(id)).Should().BeTrue();

        (await harness.BlobNamesAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task DeleteAsync_OfAForkedSource_KeepsTheForksEarlierStatesInTheContainer_AndDeletingTheForkFreesThem()
    {
        var harness = new BlobSinkHarness(azurite);
        var source = await SavedThreePhasesAsync(harness);
        await harness.Sink.CompleteAsync(source);
        var fork = NewId();
        await harness.Sink.CreateForkAsync(fork, source, 2);
        await harness.Sink.SavePhaseAsync(fork, 3, [Text("f.txt", "f3")]);
        await harness.Sink.CompleteAsync(fork);

        await harness.Sink.DeleteAsync(source);

        (await harness.ContentBlobsAsync()).Should().BeEquivalentTo(
            $"content/{Sha256("a1")}", $"content/{Sha256("b1")}", $"content/{Sha256("a2")}", $"content/{Sha256("f3")}");
        (await harness.BlobNamesAsync("generations/")).Should().Equal($"generations/{fork}/manifest.json");

        await harness.Sink.DeleteAsync(fork);

        (await harness.BlobNamesAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task DeleteAsync_OfAGeneration_RemovesTheContentOfEveryStateOfItsHistory()
    {
        var harness = new BlobSinkHarness(azurite);
        var id = await SavedThreePhasesAsync(harness);
        await harness.Sink.CompleteAsync(id);
        (await harness.ContentBlobsAsync()).Should().HaveCount(4, "every state stays readable while the generation lives");

        await harness.Sink.DeleteAsync(id);

        (await harness.BlobNamesAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task CreateForkAsync_SharesTheSourcesContentWithoutCopying()
    {
        var harness = new BlobSinkHarness(azurite);
        var source = await SavedThreePhasesAsync(harness);
        var before = await harness.ContentBlobsAsync();

        await harness.Sink.CreateForkAsync(NewId(), source, 2);

        (await harness.ContentBlobsAsync()).Should().Equal(before);
    }

    [Fact]
    public async Task CreateForkAsync_AKeptContentDeletedBehindTheSinksBack_FailsNamingIt_AndCreatesNoManifest()
    {
        var harness = new BlobSinkHarness(azurite);
        var source = await SavedThreePhasesAsync(harness);
        await harness.Container.GetBlobClient($"content/{Sha256("b1")}").DeleteAsync();
        var fork = NewId();

        var act = async () => await harness.Sink.CreateForkAsync(fork, source, 2);

        (await act.Should().ThrowAsync<FileNotFoundException>()).WithMessage($"*'{source}'*forked*'{fork}'*b.txt*{Sha256("b1")}*");
        (await harness.Sink.GetManifestAsync(fork)).Should().BeNull();
    }

    [Fact]
    public async Task OpenContentAsync_AContentDeletedBehindTheSinksBack_FailsNamingIt()
    {
        var harness = new BlobSinkHarness(azurite);
        var id = await SavedThreePhasesAsync(harness);
        var first = (await harness.Sink.GetHistoryAsync(id))!.StateAt(1)!.Single(f => f.Path == "a.txt");
        await harness.Container.GetBlobClient($"content/{first.Sha256}").DeleteAsync();

        var act = async () => await harness.Sink.OpenContentAsync(id, first);

        await act.Should().ThrowAsync<FileNotFoundException>().WithMessage($"*a.txt*{id}*{first.Sha256}*");
    }
}
