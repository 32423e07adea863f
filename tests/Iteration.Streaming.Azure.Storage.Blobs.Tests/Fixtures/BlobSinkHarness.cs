using System.Text;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Iteration.Streaming.Azure.Storage.Blobs.Files;
using Iteration.Streaming.Files;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.Azure.Storage.Blobs.Tests.Fixtures;

/// <summary>
/// One container of its own on Azurite, a sink over it (optionally through a <see cref="FaultInjectingHandler"/>), and a
/// plain client to look at or tamper with the blobs behind the sink's back.
/// </summary>
public sealed class BlobSinkHarness
{
    public BlobSinkHarness(AzuriteFixture azurite, IterationStreamingOptions? options = null, int maxRetries = 0, bool withFaults = true, string? container = null)
    {
        ContainerName = container ?? AzuriteFixture.NewContainerName();
        Faults = new FaultInjectingHandler();
        Options = options ?? new IterationStreamingOptions();
        Container = azurite.CreateClient(maxRetries: 2).GetBlobContainerClient(ContainerName);
        Sink = NewSink(azurite.CreateClient(withFaults ? Faults : null, maxRetries));
    }

    public string ContainerName { get; }

    public IterationStreamingOptions Options { get; }

    public FaultInjectingHandler Faults { get; }

    /// <summary>Sees the container as it is, without faults.</summary>
    public BlobContainerClient Container { get; }

    public IFileSink Sink { get; }

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));

    public static string NewId() => Guid.NewGuid().ToString("D");

    public static GeneratedFile Text(string path, string content) => GeneratedFile.FromText(path, content);

    public static string Sha256(string content) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(content)));

    /// <summary>A second sink on the same container (another app instance).</summary>
    public IFileSink NewSink(BlobServiceClient client) => new AzureBlobFileSink(
        client.GetBlobContainerClient(ContainerName), new StaticOptionsMonitor<IterationStreamingOptions>(Options), Clock, logger: null, maxConcurrency: 4);

    public async Task<string> CreatedAsync(params GeneratedFile[] phase1)
    {
        var id = NewId();
        await Sink.CreateAsync(id, null);
        if (phase1.Length > 0)
        {
            await Sink.SavePhaseAsync(id, 1, phase1);
        }

        return id;
    }

    public async Task<string[]> BlobNamesAsync(string prefix = "")
    {
        var names = new List<string>();
        await foreach (var item in Container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }))
        {
            names.Add(item.Name);
        }

        return names.Order(StringComparer.Ordinal).ToArray();
    }

    public Task<string[]> ContentBlobsAsync() => BlobNamesAsync("content/");

    public async Task<string> ManifestJsonAsync(string id) =>
        (await Container.GetBlobClient($"generations/{id}/manifest.json").DownloadContentAsync()).Value.Content.ToString();

    public async Task<string?> ReadTextAsync(string id, string path, IFileSink? sink = null)
    {
        await using var stream = await (sink ?? Sink).OpenReadAsync(id, path);
        if (stream is null)
        {
            return null;
        }

        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }

    /// <summary>Every file the manifest lists opens and has the listed size: the manifest agrees with the blobs.</summary>
    public async Task AssertManifestAgreesWithBlobsAsync(string id)
    {
        var manifest = await Sink.GetManifestAsync(id);
        manifest.Should().NotBeNull();
        foreach (var file in manifest!.Files)
        {
            var exists = (await Container.GetBlobClient("content/" + file.Sha256).ExistsAsync()).Value;
            exists.Should().BeTrue($"the manifest lists {file.Path}");
        }
    }
}
