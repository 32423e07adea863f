using System.Net;
using Iteration.Streaming.Azure.Storage.Blobs.Tests.Fixtures;
using Iteration.Streaming.Files;
using Iteration.Streaming.TestUtilities;
using static Iteration.Streaming.Azure.Storage.Blobs.Tests.Fixtures.BlobSinkHarness;

namespace Iteration.Streaming.Azure.Storage.Blobs.Tests.Files;

/// <summary>
/// <c>DeleteAsync</c>: the generation's manifest, then the contents no other generation lists, safe against a save
/// that is about to list the same content.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class RetentionTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task DeleteAsync_RemovesTheManifestAndTheContentOnlyItListed()
    {
        var harness = new BlobSinkHarness(azurite);
        var id = await harness.CreatedAsync(Text("a.txt", "a"), Text("b.txt", "b"));

        var deleted = await harness.Sink.DeleteAsync(id);

        deleted.Should().BeTrue();
        (await harness.Sink.GetManifestAsync(id)).Should().BeNull();
        (await harness.BlobNamesAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task DeleteAsync_AlsoRemovesTheContentOfFilesTheGenerationOverwroteOrDeleted()
    {
        var harness = new BlobSinkHarness(azurite);
        var id = await harness.CreatedAsync(Text("a.txt", "first"), Text("b.txt", "b"));
        await harness.Sink.SavePhaseAsync(id, 2, [Text("a.txt", "second"), GeneratedFile.Delete("b.txt")]);
        await harness.Sink.CompleteAsync(id);

        await harness.Sink.DeleteAsync(id);

        (await harness.BlobNamesAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task DeleteAsync_KeepsTheContentAnotherGenerationLists()
    {
        var harness = new BlobSinkHarness(azurite);
        var parent = await harness.CreatedAsync(Text("a.txt", "parent a"), Text("b.txt", "shared b"));
        await harness.Sink.CompleteAsync(parent);
        var child = NewId();
        await harness.Sink.CreateAsync(child, parent);
        await harness.Sink.SavePhaseAsync(child, 1, [Text("a.txt", "child a")]);

        await harness.Sink.DeleteAsync(parent);

        // "parent a" stays too: the child's phase 0 (what it started with) names it, for a diff or a revert.
        (await harness.ContentBlobsAsync()).Should().BeEquivalentTo($"content/{Sha256("shared b")}", $"content/{Sha256("child a")}", $"content/{Sha256("parent a")}");
        (await harness.ReadTextAsync(child, "b.txt")).Should().Be("shared b");
        (await harness.ReadTextAsync(child, "a.txt")).Should().Be("child a");
        await using var started = await harness.Sink.OpenContentAsync(child, (await harness.Sink.GetHistoryAsync(child))!.StateAt(0)!.Single(f => f.Path == "a.txt"));
        started.Should().NotBeNull();
    }

    [Fact]
    public async Task DeleteAsync_OfAnIterationAfterItsParent_RemovesTheParentsContentToo()
    {
        var harness = new BlobSinkHarness(azurite);
        var parent = await harness.CreatedAsync(Text("a.txt", "parent a"), Text("b.txt", "shared b"));
        await harness.Sink.CompleteAsync(parent);
        var child = NewId();
        await harness.Sink.CreateAsync(child, parent);
        await harness.Sink.SavePhaseAsync(child, 1, [Text("a.txt", "child a")]);
        await harness.Sink.DeleteAsync(parent);

        await harness.Sink.DeleteAsync(child);

        (await harness.BlobNamesAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task DeleteAsync_Twice_ReturnsFalseTheSecondTime()
    {
        var harness = new BlobSinkHarness(azurite);
        var id = await harness.CreatedAsync(Text("a.txt", "a"));

        (await harness.Sink.DeleteAsync(id)).Should().BeTrue();
        (await harness.Sink.DeleteAsync(id)).Should().BeFalse();
    }

    [Theory]
    [InlineData("")]
    [InlineData("../content")]
    [InlineData("a/b")]
    [InlineData("*")]
    [InlineData("id with spaces")]
    public async Task DeleteAsync_HostileOrUnknownId_ReturnsFalse_AndDeletesNothing(string generationId)
    {
        var harness = new BlobSinkHarness(azurite);
        await harness.CreatedAsync(Text("a.txt", "a"));
        var before = await harness.BlobNamesAsync();

        (await harness.Sink.DeleteAsync(generationId)).Should().BeFalse();

        (await harness.BlobNamesAsync()).Should().Equal(before);
    }

    [Fact]
    public async Task DeleteAsync_RemovesWhatAFailedSaveLeft_IntentAndUploadedContent()
    {
        var harness = new BlobSinkHarness(azurite);
        var id = await harness.CreatedAsync(Text("a.txt", "a"));
        harness.Faults.Fail(FaultInjectingHandler.IsManifestWrite, HttpStatusCode.InternalServerError, "InternalError");
        await FluentActions.Awaiting(async () => await harness.Sink.SavePhaseAsync(id, 2, [Text("b.txt", "orphan")])).Should().ThrowAsync<IOException>();
        (await harness.BlobNamesAsync($"generations/{id}/intents/")).Should().ContainSingle("the failed save's intent stays until its generation goes");

        await harness.Sink.DeleteAsync(id);

        (await harness.BlobNamesAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task DeleteAsync_WhileASaveOfTheSameContentIsInProgress_KeepsTheContent()
    {
        var harness = new BlobSinkHarness(azurite);
        var retention = harness.NewSink(azurite.CreateClient());
        var old = await harness.CreatedAsync(Text("old.txt", "common"));
        var running = await harness.CreatedAsync();
        var held = harness.Faults.HoldNext(FaultInjectingHandler.IsManifestWrite);
        var saving = harness.Sink.SavePhaseAsync(running, 1, [Text("new.txt", "common")]).AsTask();
        await held.Arrived.WithPatience();

        await retention.DeleteAsync(old);
        held.Release();
        await saving;

        (await harness.ReadTextAsync(running, "new.txt")).Should().Be("common");
        await harness.AssertManifestAgreesWithBlobsAsync(running);
    }

    [Fact]
    public async Task DeleteAsync_WhenASaveListsTheContentAfterTheSweepLooked_KeepsTheContent()
    {
        var harness = new BlobSinkHarness(azurite);
        var writer = harness.NewSink(azurite.CreateClient());
        var old = await harness.CreatedAsync(Text("old.txt", "common"));
        var held = harness.Faults.HoldNext(FaultInjectingHandler.IsContentDelete);
        var deleting = harness.Sink.DeleteAsync(old).AsTask();
        await held.Arrived.WithPatience();

        // The sweep has found no reference and is about to delete; a new save lists the content now.
        var running = NewId();
        await writer.CreateAsync(running, null);
        await writer.SavePhaseAsync(running, 1, [Text("new.txt", "common")]);
        held.Release();
        await deleting;

        (await harness.ReadTextAsync(running, "new.txt")).Should().Be("common");
        await harness.AssertManifestAgreesWithBlobsAsync(running);
    }

    [Fact]
    public async Task DeleteAsync_WhileAnIterationOfItIsBeingCreated_KeepsTheCarriedContent()
    {
        var harness = new BlobSinkHarness(azurite);
        var retention = harness.NewSink(azurite.CreateClient());
        var parent = await harness.CreatedAsync(Text("a.txt", "a"));
        var held = harness.Faults.HoldNext(FaultInjectingHandler.IsManifestWrite);
        var child = NewId();
        var creating = harness.Sink.CreateAsync(child, parent).AsTask();
        await held.Arrived.WithPatience();

        await retention.DeleteAsync(parent);
        held.Release();
        await creating;

        (await harness.ReadTextAsync(child, "a.txt")).Should().Be("a");
    }

    [Fact]
    public async Task CreateAsync_WithAParentWhoseContentIsGone_LeavesThatFileOut()
    {
        var harness = new BlobSinkHarness(azurite);
        var parent = await harness.CreatedAsync(Text("kept.txt", "kept"), Text("lost.txt", "lost"));
        await harness.Container.DeleteBlobAsync("content/" + Sha256("lost"));
        var child = NewId();

        await harness.Sink.CreateAsync(child, parent);

        (await harness.Sink.GetManifestAsync(child))!.Files.Select(f => f.Path).Should().Equal("kept.txt");
    }

    [Fact]
    public async Task CreateFromAsync_WithASourceWhoseContentIsGone_ThrowsFileNotFound()
    {
        var harness = new BlobSinkHarness(azurite);
        var source = await harness.CreatedAsync(Text("lost.txt", "lost"));
        await harness.Container.DeleteBlobAsync("content/" + Sha256("lost"));
        var retry = NewId();

        var act = async () => await harness.Sink.CreateFromAsync(retry, source);

        (await act.Should().ThrowAsync<FileNotFoundException>()).Which.Message.Should().Contain($"'{source}' cannot be retried").And.Contain("lost.txt");
        (await harness.Sink.GetManifestAsync(retry)).Should().BeNull();
    }
}
