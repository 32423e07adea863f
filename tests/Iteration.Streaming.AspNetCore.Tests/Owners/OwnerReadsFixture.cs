using System.Net.Http.Json;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.AspNetCore.Tests.Owners;

/// <summary>One signed-in host with alice's and bob's cookies and a completed generation of alice's, with files.</summary>
public sealed class OwnerReadsFixture : IAsyncLifetime
{
    internal SignedInHost Host { get; private set; } = null!;

    public HttpClient Alice { get; private set; } = null!;

    public HttpClient Bob { get; private set; } = null!;

    public HttpClient Anonymous { get; private set; } = null!;

    /// <summary>Alice's completed generation.</summary>
    public string AlicesId { get; private set; } = null!;

    /// <summary>A file of it.</summary>
    public string FilePath { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await SignedInHost.StartAsync();
        Alice = await Host.SignInAsync("alice");
        Bob = await Host.SignInAsync("bob");
        Anonymous = Host.Host.CreateClient();
        AlicesId = await SignedInHost.StartAndFinishAsync(Alice);
        var files = await Alice.GetFromJsonAsync($"generations/{AlicesId}/files", IterationStreamingJson.GenerationFileList);
        FilePath = files!.Files[0].Path;
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
