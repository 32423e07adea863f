using System.Net;
using System.Net.Sockets;
using Iteration.Streaming.Azure.Storage.Blobs.Tests.Fixtures;
using static Iteration.Streaming.Azure.Storage.Blobs.Tests.Fixtures.BlobSinkHarness;

namespace Iteration.Streaming.Azure.Storage.Blobs.Tests.Files;

/// <summary>
/// The service failing (500, 503, a dropped connection, nobody listening) or a blob deleted behind the sink's back:
/// a clear exception, and never a manifest that lists a blob that is not there.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class FaultTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task SavePhaseAsync_ServiceAnswers503MidPhase_FailsNamingTheStatus_AndTheManifestStaysAtTheLastPhase()
    {
        var harness = new BlobSinkHarness(azurite);
        var id = await harness.CreatedAsync(Text("a.txt", "a"), Text("b.txt", "b"));
        harness.Faults.Fail(FaultInjectingHandler.IsContentUpload, HttpStatusCode.ServiceUnavailable, "ServerBusy", skip: 1);

        var act = async () => await harness.Sink.SavePhaseAsync(id, 2, [Text("c.txt", "c"), Text("d.txt", "d"), Text("e.txt", "e")]);

        (await act.Should().ThrowAsync<IOException>()).WithMessage(
            $"Blob storage failed while saving phase 2 of generation '{id}' (container '{harness.ContainerName}'): the service answered 503 ServerBusy.");
        (await harness.Sink.GetManifestAsync(id))!.Files.Select(f => f.Path).Should().Equal("a.txt", "b.txt");
        await harness.AssertManifestAgreesWithBlobsAsync(id);
    }

    [Fact]
    public async Task SavePhaseAsync_ServiceAnswers500ForTheManifest_Fails_AndSavingAgainSucceeds()
    {
        var harness = new BlobSinkHarness(azurite);
        var id = await harness.CreatedAsync(Text("a.txt", "a"));
        harness.Faults.Fail(FaultInjectingHandler.IsManifestWrite, HttpStatusCode.InternalServerError, "InternalError");

        var act = async () => await harness.Sink.SavePhaseAsync(id, 2, [Text("b.txt", "b")]);

        await act.Should().ThrowAsync<IOException>().WithMessage("*saving phase 2*500 InternalError*");
        (await harness.Sink.GetManifestAsync(id))!.Files.Select(f => f.Path).Should().Equal("a.txt");
        await harness.Sink.SavePhaseAsync(id, 2, [Text("b.txt", "b")]);
        (await harness.ReadTextAsync(id, "b.txt")).Should().Be("b");
        await harness.AssertManifestAgreesWithBlobsAsync(id);
    }

    [Fact]
    public async Task SavePhaseAsync_ConnectionDroppedMidPhase_FailsClearly_AndTheManifestAgreesWithTheBlobs()
    {
        var harness = new BlobSinkHarness(azurite);
        var id = await harness.CreatedAsync(Text("a.txt", "a"));
        harness.Faults.Disconnect(FaultInjectingHandler.IsContentUpload);

        var act = async () => await harness.Sink.SavePhaseAsync(id, 2, [Text("b.txt", "b"), Text("c.txt", "c")]);

        await act.Should().ThrowAsync<IOException>().WithMessage($"*saving phase 2*'{harness.ContainerName}'*no answer from the service*connection was reset*");
        (await harness.Sink.GetManifestAsync(id))!.Files.Select(f => f.Path).Should().Equal("a.txt");
        await harness.AssertManifestAgreesWithBlobsAsync(id);
    }

    [Fact]
    public async Task SavePhaseAsync_ContentCorruptedOnTheWay_IsRefusedByTheService_AndNothingIsListed()
    {
        var harness = new BlobSinkHarness(azurite);
        var id = await harness.CreatedAsync();
        harness.Faults.Corrupt(FaultInjectingHandler.IsContentUpload);

        var act = async () => await harness.Sink.SavePhaseAsync(id, 1, [Text("a.txt", "intact")]);

        await act.Should().ThrowAsync<IOException>().WithMessage("*saving phase 1*the service answered 400*");
        (await harness.ContentBlobsAsync()).Should().BeEmpty();
        (await harness.Sink.GetManifestAsync(id))!.Files.Should().BeEmpty();
    }

    [Fact]
    public async Task SavePhaseAsync_TransientFailure_IsRetriedWithinTheClientsBound()
    {
        var harness = new BlobSinkHarness(azurite, maxRetries: 2);
        var id = await harness.CreatedAsync();
        harness.Faults.Fail(FaultInjectingHandler.IsContentUpload, HttpStatusCode.ServiceUnavailable, "ServerBusy");

        await harness.Sink.SavePhaseAsync(id, 1, [Text("a.txt", "a")]);

        (await harness.ReadTextAsync(id, "a.txt")).Should().Be("a");
    }

    [Fact]
    public async Task SavePhaseAsync_PersistentFailure_FailsAfterTheClientsRetries()
    {
        var harness = new BlobSinkHarness(azurite, maxRetries: 2);
        var id = await harness.CreatedAsync();
        harness.Faults.Fail(FaultInjectingHandler.IsContentUpload, HttpStatusCode.ServiceUnavailable, "ServerBusy", times: 100);

        var act = async () => await harness.Sink.SavePhaseAsync(id, 1, [Text("a.txt", "a")]);

        await act.Should().ThrowAsync<IOException>().WithMessage("*503 ServerBusy*");
        (await harness.Sink.GetManifestAsync(id))!.Files.Should().BeEmpty();
    }

    [Fact]
    public async Task EveryOperation_WhenNothingListens_FailsNamingTheContainer_NeverAnswersNotFound()
    {
        var port = ClosedPort();
        var container = AzuriteFixture.NewContainerName();
        var sink = new BlobSinkHarness(azurite, container: container).NewSink(azurite.CreateClient(port: port));
        var id = NewId();

        await FluentActions.Awaiting(async () => await sink.CreateAsync(id, null)).Should().ThrowAsync<IOException>()
            .WithMessage($"Blob storage failed while creating the files of generation '{id}' (container '{container}'): no answer from the service (*");
        await FluentActions.Awaiting(async () => await sink.GetManifestAsync(id)).Should().ThrowAsync<IOException>().WithMessage("*reading the manifest*");
        await FluentActions.Awaiting(async () => await sink.SavePhaseAsync(id, 1, [Text("a.txt", "a")])).Should().ThrowAsync<IOException>();
        await FluentActions.Awaiting(async () => await sink.OpenReadAsync(id, "a.txt")).Should().ThrowAsync<IOException>();
        await FluentActions.Awaiting(async () => await sink.WriteArchiveAsync(id, new MemoryStream())).Should().ThrowAsync<IOException>();
        await FluentActions.Awaiting(async () => await sink.DeleteAsync(id)).Should().ThrowAsync<IOException>();
    }

    [Fact]
    public async Task GetManifestAsync_ServiceAnswers503_ThrowsInsteadOfAnsweringNotFound()
    {
        var harness = new BlobSinkHarness(azurite);
        var id = await harness.CreatedAsync(Text("a.txt", "a"));
        harness.Faults.Fail(_ => true, HttpStatusCode.ServiceUnavailable, "ServerBusy");

        var act = async () => await harness.Sink.GetManifestAsync(id);

        await act.Should().ThrowAsync<IOException>().WithMessage("*503*");
    }

    [Fact]
    public async Task OpenReadAsync_ContentDeletedBehindTheSinksBack_ThrowsFileNotFoundNamingThePath()
    {
        var harness = new BlobSinkHarness(azurite);
        var id = await harness.CreatedAsync(Text("src/app.py", "print()"));
        await harness.Container.DeleteBlobAsync("content/" + Sha256("print()"));

        var act = async () => await harness.Sink.OpenReadAsync(id, "src/app.py");

        var thrown = await act.Should().ThrowAsync<FileNotFoundException>();
        thrown.Which.FileName.Should().Be("src/app.py");
        thrown.Which.Message.Should().Contain($"'src/app.py' in generation '{id}' is missing").And.Contain("deleted outside the sink");
    }

    [Fact]
    public async Task WriteArchiveAsync_ContentDeletedBehindTheSinksBack_ThrowsFileNotFound()
    {
        var harness = new BlobSinkHarness(azurite);
        var id = await harness.CreatedAsync(Text("a.txt", "a"), Text("b.txt", "b"));
        await harness.Container.DeleteBlobAsync("content/" + Sha256("b"));

        var act = async () => await harness.Sink.WriteArchiveAsync(id, new MemoryStream());

        (await act.Should().ThrowAsync<FileNotFoundException>()).Which.FileName.Should().Be("b.txt");
    }

    [Fact]
    public async Task WriteArchiveAsync_ServiceFailsMidArchive_ThrowsIOException()
    {
        var harness = new BlobSinkHarness(azurite);
        var id = await harness.CreatedAsync(Text("a.txt", "a"), Text("b.txt", "b"));
        harness.Faults.Fail(FaultInjectingHandler.IsContentDownload, HttpStatusCode.InternalServerError, "InternalError", skip: 1);

        var act = async () => await harness.Sink.WriteArchiveAsync(id, new MemoryStream());

        await act.Should().ThrowAsync<IOException>().WithMessage($"*writing the archive of generation '{id}'*500*");
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
