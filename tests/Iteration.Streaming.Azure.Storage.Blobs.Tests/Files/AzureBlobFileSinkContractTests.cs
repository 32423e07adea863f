using Iteration.Streaming.Azure.Storage.Blobs.Files;
using Iteration.Streaming.Azure.Storage.Blobs.Tests.Fixtures;
using Iteration.Streaming.Files;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.Azure.Storage.Blobs.Tests.Files;

/// <summary>The blob sink passes the same contract as the file-system and in-memory sinks, against Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureBlobFileSinkContractTests(AzuriteFixture azurite) : FileSinkContractTests
{
    protected override Task<IFileSink> CreateSinkAsync(IterationStreamingOptions options) =>
        Task.FromResult<IFileSink>(new AzureBlobFileSink(
            azurite.CreateClient(maxRetries: 2).GetBlobContainerClient(AzuriteFixture.NewContainerName()),
            new StaticOptionsMonitor<IterationStreamingOptions>(options),
            new FakeTimeProvider()));
}
