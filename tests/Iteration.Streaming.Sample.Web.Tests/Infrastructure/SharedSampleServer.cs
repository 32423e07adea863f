using System.Net;
using System.Net.Http.Json;

namespace Iteration.Streaming.Sample.Web.Tests.Infrastructure;

/// <summary>
/// One sample host for a class of HTTP tests that do not change its configuration (the sign-in tests): each test gets its
/// own client and cookie jar, so tests share the server but not a session.
/// </summary>
public sealed class SharedSampleServer : IAsyncLifetime
{
    private SampleServer? _server;

    public SampleServer Server => _server ?? throw new InvalidOperationException("The server is not started.");

    public async Task InitializeAsync() => _server = await SampleServer.StartAsync();

    /// <summary>A client with a cookie jar of its own.</summary>
    public HttpClient NewClient() =>
        new(new HttpClientHandler { CookieContainer = new CookieContainer(), UseCookies = true }) { BaseAddress = Server.BaseAddress };

    /// <summary>A client signed in as <paramref name="name"/>.</summary>
    public async Task<HttpClient> SignedInClientAsync(string name)
    {
        var client = NewClient();
        (await client.PostAsJsonAsync("/account/sign-in", new { name })).EnsureSuccessStatusCode();
        return client;
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
