namespace Iteration.Streaming.AspNetCore.Tests;

/// <summary>One Kestrel host with the default setup, shared by the tests of a class.</summary>
public sealed class DefaultHostFixture : IAsyncLifetime
{
    public KestrelTestHost Host { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await KestrelTestHost.StartAsync();
        Client = Host.CreateClient();
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
