using System.Text;
using Iteration.Streaming.Azure.Storage.Blobs.Tests.Fixtures;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Files;
using Iteration.Streaming.Hosting;
using static Iteration.Streaming.Azure.Storage.Blobs.Tests.Fixtures.BlobSinkHarness;

namespace Iteration.Streaming.Azure.Storage.Blobs.Tests.Files;

/// <summary>
/// Hostile ids, paths and stored data: generated paths never become blob names, a tampered manifest is refused, and the
/// manifest rules every sink shares (case, file/folder, bytes per generation) hold here too.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class HostileInputTests(AzuriteFixture azurite)
{
    public static TheoryData<string> TamperedManifests => new()
    {
        "not json",
        "{\"version\":1,\"generation_id\":\"{id}\",\"files\":[{\"path\":\"a.txt\",\"size\":1,\"phase\":1,\"sha256\":\"../../generations/x/manifest.json\"}]}",
        "{\"version\":1,\"generation_id\":\"{id}\",\"files\":[{\"path\":\"../escape.txt\",\"size\":1,\"phase\":1,\"sha256\":\"" + new string('a', 64) + "\"}]}",
        "{\"version\":1,\"generation_id\":\"someone-else\",\"files\":[]}",
        "{\"version\":1,\"generation_id\":\"{id}\",\"files\":[{\"path\":\"b.txt\",\"size\":1,\"phase\":1,\"sha256\":\"" + new string('a', 64) + "\"},{\"path\":\"a.txt\",\"size\":1,\"phase\":1,\"sha256\":\"" + new string('b', 64) + "\"}]}",
        "{\"version\":1,\"generation_id\":\"{id}\",\"files\":[{\"path\":\"a.txt\",\"size\":-1,\"phase\":1,\"sha256\":\"" + new string('a', 64) + "\"}]}",
        "{\"version\":1,\"generation_id\":\"{id}\"}",
        "null",
        "{\"version\":1,\"generation_id\":\"{id}\",\"files\":[],\"history\":[{\"phase\":1,\"written\":[{\"path\":\"a.txt\",\"size\":1,\"phase\":1,\"sha256\":\"../../generations/x/manifest.json\"}]}]}",
        "{\"version\":1,\"generation_id\":\"{id}\",\"files\":[],\"history\":[{\"phase\":1,\"written\":[{\"path\":\"../escape.txt\",\"size\":1,\"phase\":1,\"sha256\":\"" + new string('a', 64) + "\"}]}]}",
        "{\"version\":1,\"generation_id\":\"{id}\",\"files\":[],\"history\":[{\"phase\":2,\"written\":[]},{\"phase\":1,\"written\":[]}]}",
        "{\"version\":1,\"generation_id\":\"{id}\",\"files\":[],\"history\":[{\"phase\":1,\"written\":[],\"deleted\":[\"/etc/passwd\"]}]}",
        "{\"version\":1,\"generation_id\":\"{id}\",\"files\":[],\"history\":[null]}",
        "{\"version\":1,\"generation_id\":\"{id}\",\"files\":[],\"history\":[{\"phase\":0,\"written\":[]}],\"start_phase\":-1}",
    };

    [Theory]
    [MemberData(nameof(TamperedManifests))]
    public async Task Reads_OfATamperedManifest_AreRefusedAsInvalidData(string json)
    {
        var harness = new BlobSinkHarness(azurite);
        var id = await harness.CreatedAsync(Text("a.txt", "a"));
        await harness.Container.GetBlobClient($"generations/{id}/manifest.json").UploadAsync(BinaryData.FromString(json.Replace("{id}", id, StringComparison.Ordinal)), overwrite: true);

        await FluentActions.Awaiting(async () => await harness.Sink.GetManifestAsync(id)).Should().ThrowAsync<InvalidDataException>().WithMessage($"*{id}*");
        await FluentActions.Awaiting(async () => await harness.Sink.OpenReadAsync(id, "a.txt")).Should().ThrowAsync<InvalidDataException>();
        await FluentActions.Awaiting(async () => await harness.Sink.SavePhaseAsync(id, 2, [Text("b.txt", "b")])).Should().ThrowAsync<InvalidDataException>();
    }

    [Fact]
    public async Task Reads_OfAManifestSavedBeforeTheGitAndNfcRules_StillWork()
    {
        // Saved by an earlier version: paths the write rules now refuse stay readable, as the core's sinks keep them.
        var harness = new BlobSinkHarness(azurite);
        var id = await harness.CreatedAsync(Text("a.txt", "a"));
        var entry = $",\"size\":1,\"phase\":1,\"sha256\":\"{Sha256("a")}\"}}";
        var json = $"{{\"version\":1,\"generation_id\":\"{id}\",\"files\":[{{\"path\":\".git/config\"{entry},{{\"path\":\"a.txt\"{entry},{{\"path\":\"cafe\u0301.txt\"{entry}]}}";
        await harness.Container.GetBlobClient($"generations/{id}/manifest.json").UploadAsync(BinaryData.FromString(json), overwrite: true);

        var manifest = await harness.Sink.GetManifestAsync(id);

        manifest!.Files.Select(f => f.Path).Should().Equal(".git/config", "a.txt", "cafe\u0301.txt");
        await using var stream = (await harness.Sink.OpenReadAsync(id, ".git/config"))!;
        (await new StreamReader(stream).ReadToEndAsync()).Should().Be("a");
    }

    [Fact]
    public async Task SavePhaseAsync_AGitPath_IsRefusedBeforeAnyBlobIsWritten()
    {
        var harness = new BlobSinkHarness(azurite);
        var id = await harness.CreatedAsync();
        var before = await harness.BlobNamesAsync();

        var act = async () => await harness.Sink.SavePhaseAsync(id, 1, [Text("hooks.sh", "#!/bin/sh"), Text(".Git/hooks/pre-commit", "#!/bin/sh")]);

        (await act.Should().ThrowAsync<InvalidGeneratedFileException>()).Which.Message.Should().Contain("'.Git' segment");
        (await harness.BlobNamesAsync()).Should().Equal(before);
    }

    [Fact]
    public async Task DeleteAsync_OfATamperedManifest_DeletesIt_AndKeepsEveryContent()
    {
        var harness = new BlobSinkHarness(azurite);
        var id = await harness.CreatedAsync(Text("a.txt", "a"));
        await harness.Container.GetBlobClient($"generations/{id}/manifest.json").UploadAsync(BinaryData.FromString("not json"), overwrite: true);

        (await harness.Sink.DeleteAsync(id)).Should().BeTrue();

        (await harness.BlobNamesAsync()).Should().Equal($"content/{Sha256("a")}");
    }

    [Fact]
    public async Task APathThatLooksLikeABlobName_IsOnlyAPath()
    {
        var harness = new BlobSinkHarness(azurite);
        var victim = await harness.CreatedAsync(Text("a.txt", "victim"));
        var attacker = await harness.CreatedAsync();

        await harness.Sink.SavePhaseAsync(attacker, 1, [Text($"generations/{victim}/manifest.json", "{}"), Text($"content/{Sha256("victim")}", "evil")]);

        (await harness.ReadTextAsync(victim, "a.txt")).Should().Be("victim");
        (await harness.Sink.GetManifestAsync(victim))!.Files.Should().ContainSingle();
        (await harness.ReadTextAsync(attacker, $"content/{Sha256("victim")}")).Should().Be("evil");
    }

    [Theory]
    [InlineData("")]
    [InlineData("../x")]
    [InlineData("a/b")]
    [InlineData("%2e%2e")]
    public async Task CreateFromAsync_HostileSourceId_ThrowsGenerationNotFound(string sourceId)
    {
        var harness = new BlobSinkHarness(azurite);

        var act = async () => await harness.Sink.CreateFromAsync(NewId(), sourceId);

        await act.Should().ThrowAsync<GenerationNotFoundException>();
    }

    [Theory]
    [InlineData("")]
    [InlineData("../x")]
    [InlineData("a/b")]
    public async Task CreateFromAsync_HostileId_ThrowsArgumentException(string generationId)
    {
        var harness = new BlobSinkHarness(azurite);
        var source = await harness.CreatedAsync(Text("a.txt", "a"));

        var act = async () => await harness.Sink.CreateFromAsync(generationId, source);

        await act.Should().ThrowAsync<ArgumentException>();
    }

    [Theory]
    [InlineData("README.md", "readme.md")]
    [InlineData("src/App.cs", "SRC/app.cs")]
    public async Task SavePhaseAsync_PathsThatDifferOnlyByCase_AreRefused(string first, string second)
    {
        var harness = new BlobSinkHarness(azurite);
        var id = await harness.CreatedAsync(Text(first, "1"));

        var act = async () => await harness.Sink.SavePhaseAsync(id, 2, [Text(second, "2")]);

        (await act.Should().ThrowAsync<InvalidGeneratedFileException>()).Which.Path.Should().Be(second);
        (await harness.Sink.GetManifestAsync(id))!.Files.Select(f => f.Path).Should().Equal(first);
    }

    [Fact]
    public async Task SavePhaseAsync_TheSamePathInAnotherCaseWithinOnePhase_IsRefused()
    {
        var harness = new BlobSinkHarness(azurite);
        var id = await harness.CreatedAsync();

        var act = async () => await harness.Sink.SavePhaseAsync(id, 1, [Text("a.txt", "1"), Text("A.txt", "2")]);

        await act.Should().ThrowAsync<InvalidGeneratedFileException>().WithMessage("*only in letter case*");
    }

    [Fact]
    public async Task SavePhaseAsync_ReplacingAPathInAnotherCase_IsAcceptedWhenTheOldOneIsDeleted()
    {
        var harness = new BlobSinkHarness(azurite);
        var id = await harness.CreatedAsync(Text("readme.md", "old"));

        var manifest = await harness.Sink.SavePhaseAsync(id, 2, [GeneratedFile.Delete("readme.md"), Text("README.md", "new")]);

        manifest.Files.Select(f => f.Path).Should().Equal("README.md");
    }

    [Theory]
    [InlineData("src", "src/a.txt")]
    [InlineData("src/a.txt", "src")]
    [InlineData("src/a.txt", "SRC/A.TXT/b.txt")]
    public async Task SavePhaseAsync_APathThatIsBothAFileAndAFolder_IsRefused(string existing, string written)
    {
        var harness = new BlobSinkHarness(azurite);
        var id = await harness.CreatedAsync(Text(existing, "x"));

        var act = async () => await harness.Sink.SavePhaseAsync(id, 2, [Text(written, "y")]);

        (await act.Should().ThrowAsync<InvalidGeneratedFileException>()).Which.Path.Should().Be(written);
    }

    [Fact]
    public async Task SavePhaseAsync_BeyondMaxGenerationBytes_CountingTheParentsFiles_IsRefused()
    {
        var harness = new BlobSinkHarness(azurite, new IterationStreamingOptions { MaxGenerationBytes = 10 });
        var parent = await harness.CreatedAsync(Text("a.txt", "123456"));
        var child = NewId();
        await harness.Sink.CreateAsync(child, parent);

        var act = async () => await harness.Sink.SavePhaseAsync(child, 1, [Text("b.txt", "12345")]);

        (await act.Should().ThrowAsync<InvalidGeneratedFileException>()).WithMessage("*11 bytes*10*MaxGenerationBytes*");
        (await harness.Sink.GetManifestAsync(child))!.Files.Select(f => f.Path).Should().Equal("a.txt");
    }

    [Fact]
    public async Task SavePhaseAsync_AtMaxGenerationBytes_IsAccepted()
    {
        var harness = new BlobSinkHarness(azurite, new IterationStreamingOptions { MaxGenerationBytes = 10 });
        var id = await harness.CreatedAsync();

        var manifest = await harness.Sink.SavePhaseAsync(id, 1, [new GeneratedFile { Path = "a.bin", Content = Encoding.UTF8.GetBytes("0123456789") }]);

        manifest.TotalBytes.Should().Be(10);
    }
}
