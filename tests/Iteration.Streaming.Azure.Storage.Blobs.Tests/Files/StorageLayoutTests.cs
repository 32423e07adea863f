using System.Text.Json;
using Iteration.Streaming.Azure.Storage.Blobs.Tests.Fixtures;
using Iteration.Streaming.EventLog;
using static Iteration.Streaming.Azure.Storage.Blobs.Tests.Fixtures.BlobSinkHarness;

namespace Iteration.Streaming.Azure.Storage.Blobs.Tests.Files;

/// <summary>What the sink leaves in its container: contents once by hash, one manifest per generation, nothing else.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class StorageLayoutTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task SavePhaseAsync_StoresEachContentOnceUnderItsHash_AndNothingElse()
    {
        var harness = new BlobSinkHarness(azurite);

        var id = await harness.CreatedAsync(Text("a.txt", "same"), Text("src/b.txt", "same"), Text("c.txt", "other"));

        (await harness.BlobNamesAsync()).Should().BeEquivalentTo(
            $"content/{Sha256("same")}", $"content/{Sha256("other")}", $"generations/{id}/manifest.json");
    }

    [Fact]
    public async Task SavePhaseAsync_ThatStopsListingAContent_KeepsItNamedByTheHistory_AndWritesNothingBesideTheManifest()
    {
        var harness = new BlobSinkHarness(azurite);
        var id = await harness.CreatedAsync(Text("a.txt", "first"));

        await harness.Sink.SavePhaseAsync(id, 2, [Text("a.txt", "second")]);

        (await harness.BlobNamesAsync($"generations/{id}/")).Should().Equal($"generations/{id}/manifest.json");
        (await harness.ContentBlobsAsync()).Should().BeEquivalentTo($"content/{Sha256("first")}", $"content/{Sha256("second")}");
        using var json = JsonDocument.Parse(await harness.ManifestJsonAsync(id));
        json.RootElement.GetProperty("history").EnumerateArray().SelectMany(e => e.GetProperty("written").EnumerateArray())
            .Select(f => f.GetProperty("sha256").GetString()).Should().Contain(Sha256("first"));
    }

    [Fact]
    public async Task Manifest_IsStoredAsTheFileSystemSinksJson()
    {
        var harness = new BlobSinkHarness(azurite);
        var id = await harness.CreatedAsync(Text("a.txt", "alpha"));

        using var json = JsonDocument.Parse(await harness.ManifestJsonAsync(id));

        var root = json.RootElement;
        root.GetProperty("version").GetInt32().Should().Be(1);
        root.GetProperty("generation_id").GetString().Should().Be(id);
        root.GetProperty("is_complete").GetBoolean().Should().BeFalse();
        root.TryGetProperty("parent_generation_id", out _).Should().BeFalse("null fields are omitted");
        var file = root.GetProperty("files")[0];
        file.GetProperty("path").GetString().Should().Be("a.txt");
        file.GetProperty("size").GetInt64().Should().Be(5);
        file.GetProperty("phase").GetInt32().Should().Be(1);
        file.GetProperty("sha256").GetString().Should().Be(Sha256("alpha"));
        var history = root.GetProperty("history");
        history.GetArrayLength().Should().Be(2);
        history[0].GetProperty("phase").GetInt32().Should().Be(0);
        history[0].GetProperty("written").GetArrayLength().Should().Be(0);
        history[1].GetProperty("phase").GetInt32().Should().Be(1);
        history[1].GetProperty("written")[0].GetProperty("sha256").GetString().Should().Be(Sha256("alpha"));
        history[1].GetProperty("deleted").GetArrayLength().Should().Be(0);
        root.GetProperty("start_phase").GetInt32().Should().Be(0);
    }

    [Fact]
    public async Task CreateAsync_WithParent_SharesTheParentsContentWithoutCopying()
    {
        var harness = new BlobSinkHarness(azurite);
        var parent = await harness.CreatedAsync(Text("a.txt", "a"), Text("b.txt", "b"));
        await harness.Sink.CompleteAsync(parent);
        var contents = await harness.ContentBlobsAsync();
        var child = NewId();
        var before = harness.Faults.Requests.Count;

        await harness.Sink.CreateAsync(child, parent);

        (await harness.ContentBlobsAsync()).Should().Equal(contents);
        harness.Faults.Requests.Skip(before).Should().NotContain(r => r.StartsWith("PUT", StringComparison.Ordinal) && r.Contains("/content/", StringComparison.Ordinal) && !r.Contains("comp=metadata", StringComparison.Ordinal));
        using var json = JsonDocument.Parse(await harness.ManifestJsonAsync(child));
        json.RootElement.GetProperty("parent_generation_id").GetString().Should().Be(parent);
        (await harness.ReadTextAsync(child, "b.txt")).Should().Be("b");
    }

    [Fact]
    public async Task CreateFromAsync_KeepsThePhaseNumbers_AndSharesTheContent()
    {
        var harness = new BlobSinkHarness(azurite);
        var source = await harness.CreatedAsync(Text("a.txt", "a"));
        await harness.Sink.SavePhaseAsync(source, 2, [Text("b.txt", "b")]);
        var contents = await harness.ContentBlobsAsync();
        var retry = NewId();

        await harness.Sink.CreateFromAsync(retry, source);

        var manifest = await harness.Sink.GetManifestAsync(retry);
        manifest!.IsComplete.Should().BeFalse();
        manifest.Files.Select(f => (f.Path, f.Phase)).Should().Equal(("a.txt", 1), ("b.txt", 2));
        (await harness.ContentBlobsAsync()).Should().Equal(contents);
        (await harness.ReadTextAsync(retry, "b.txt")).Should().Be("b");
    }

    [Fact]
    public async Task CreateFromAsync_ThenSaving_NeverChangesTheSource()
    {
        var harness = new BlobSinkHarness(azurite);
        var source = await harness.CreatedAsync(Text("a.txt", "source"));
        var retry = NewId();
        await harness.Sink.CreateFromAsync(retry, source);

        await harness.Sink.SavePhaseAsync(retry, 2, [Text("a.txt", "retry")]);

        (await harness.ReadTextAsync(source, "a.txt")).Should().Be("source");
        (await harness.ReadTextAsync(retry, "a.txt")).Should().Be("retry");
    }

    [Fact]
    public async Task CreateFromAsync_UnknownSource_ThrowsGenerationNotFound()
    {
        var harness = new BlobSinkHarness(azurite);
        var source = NewId();

        var act = async () => await harness.Sink.CreateFromAsync(NewId(), source);

        (await act.Should().ThrowAsync<GenerationNotFoundException>()).Which.GenerationId.Should().Be(source);
    }

    [Fact]
    public async Task CreateFromAsync_ExistingTarget_Throws()
    {
        var harness = new BlobSinkHarness(azurite);
        var source = await harness.CreatedAsync(Text("a.txt", "a"));
        var target = await harness.CreatedAsync();

        var act = async () => await harness.Sink.CreateFromAsync(target, source);

        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage($"*{target}*exists*");
    }

    [Fact]
    public async Task CreateAsync_CreatesTheContainerWhenMissing()
    {
        var harness = new BlobSinkHarness(azurite);
        (await harness.Container.ExistsAsync()).Value.Should().BeFalse();

        await harness.Sink.CreateAsync(NewId(), null);

        (await harness.Container.ExistsAsync()).Value.Should().BeTrue();
    }

    [Fact]
    public async Task ReadsInAContainerThatDoesNotExist_FindNothing()
    {
        var harness = new BlobSinkHarness(azurite);

        (await harness.Sink.GetManifestAsync(NewId())).Should().BeNull();
        (await harness.Sink.OpenReadAsync(NewId(), "a.txt")).Should().BeNull();
        (await harness.Sink.DeleteAsync(NewId())).Should().BeFalse();
        (await harness.Container.ExistsAsync()).Value.Should().BeFalse("reads never create the container");
    }

    [Fact]
    public async Task SavePhaseAsync_UploadsTheContentsBeforeTheManifest()
    {
        var harness = new BlobSinkHarness(azurite);
        var id = await harness.CreatedAsync();
        var before = harness.Faults.Requests.Count;

        await harness.Sink.SavePhaseAsync(id, 1, [Text("a.txt", "a"), Text("b.txt", "b")]);

        var writes = harness.Faults.Requests.Skip(before).Where(r => r.StartsWith("PUT", StringComparison.Ordinal)).ToArray();
        writes.Should().HaveCount(4);
        writes[0].Should().Contain("/intents/");
        writes[1..3].Should().OnlyContain(r => r.Contains("/content/", StringComparison.Ordinal));
        writes[3].Should().Contain("/manifest.json");
    }

    [Fact]
    public async Task SavePhaseAsync_ReusedContent_IsTouchedNotUploadedAgain()
    {
        var harness = new BlobSinkHarness(azurite);
        await harness.CreatedAsync(Text("a.txt", "shared"));
        var other = await harness.CreatedAsync();
        var etag = (await harness.Container.GetBlobClient("content/" + Sha256("shared")).GetPropertiesAsync()).Value.ETag;

        await harness.Sink.SavePhaseAsync(other, 1, [Text("copy.txt", "shared")]);

        (await harness.ContentBlobsAsync()).Should().ContainSingle();
        (await harness.Container.GetBlobClient("content/" + Sha256("shared")).GetPropertiesAsync()).Value.ETag.Should().NotBe(etag, "a save marks the content it lists as in use");
        (await harness.ReadTextAsync(other, "copy.txt")).Should().Be("shared");
    }
}
